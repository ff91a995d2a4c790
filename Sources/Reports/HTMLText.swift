import Base

/// Turns untrusted text (command lines, paths, DNs, messages) into character data that is safe in
/// HTML text and in quoted attribute values, and well-formed XML.
///
/// Plot 0.14's own escaping is not enough for evidence: `Node.text` passes through anything that
/// looks like an entity (`&lt;` stays `&lt;`, so a command line reading `&lt;` is shown as `<`, and
/// `&x;` is left as an undefined entity), and attribute values are written as they are, so a `"`
/// ends the attribute. Every untrusted string therefore goes through `escape` and reaches Plot as
/// raw, already escaped text (`Node.untrusted`, `Node.untrustedAttribute`).
public enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as character references, and characters that would be invisible,
    /// misleading or not allowed in XML made visible (see `visible`).
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for scalar in visible(text).unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// Characters that would be invisible, misleading or not allowed in XML made visible: the one
    /// rule every text output follows (`PrintableText`, in Base).
    public static func visible(_ text: String) -> String { PrintableText.escape(text) }
}
