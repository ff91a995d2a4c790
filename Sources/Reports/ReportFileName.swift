import Base
import ProcFS

/// Default file names under `reports/`: `audit-<host>-<UTC time>.html` and
/// `incident-<PanDA ID>-<UTC time>.html`, the time in ISO 8601 basic form (`20261126T070553Z`),
/// which sorts by time and needs no quoting in a shell.
public enum ReportFileName {
    public static func audit(host: String?, at time: UTCTime, directory: String = "reports") -> String {
        "\(directory)/audit-\(safe(host ?? "unknown-host"))-\(basic(time)).html"
    }

    public static func incident(pandaID: String, at time: UTCTime, directory: String = "reports") -> String {
        "\(directory)/incident-\(safe(pandaID))-\(basic(time)).html"
    }

    /// `2026-11-26T07:05:53.063Z` -> `20261126T070553Z`.
    static func basic(_ time: UTCTime) -> String {
        let text = time.description
        let date = text.prefix(10).filter { $0 != "-" }
        let clock = text.dropFirst(11).prefix(8).filter { $0 != ":" }
        return "\(date)T\(clock)Z"
    }

    /// Letters, digits, `.`, `-` and `_` kept; anything else (a `/` in a hostname from a
    /// container's UTS namespace, say) becomes `_`.
    public static func safe(_ name: String) -> String {
        let kept = name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                ? Character(scalar) : "_"
        }
        let text = String(kept).drop(while: { $0 == "." })
        return text.isEmpty ? "_" : String(text)
    }
}
