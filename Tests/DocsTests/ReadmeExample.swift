import Foundation

/// One `isotrace …` command line found in a fenced code block of README.md, split into arguments as
/// a shell would (quotes, backslash escapes and line continuations), cut at the first shell
/// operator (`|`, `>`, `<`, `&`, `;`) and at a trailing comment.
struct ReadmeExample: CustomStringConvertible {
    let line: Int
    let text: String
    let arguments: [String]

    var description: String { "README.md:\(line): \(text)" }

    /// The examples of a README, in order; usage synopses (`[--out DIR]`, `(a | b)`, `...`) are not
    /// examples and are left out.
    static func all(in readme: String) -> [ReadmeExample] {
        var examples: [ReadmeExample] = []
        var inFence = false
        var pending: (line: Int, text: String)?
        for (index, raw) in readme.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") {
                inFence.toggle()
                pending = nil
                continue
            }
            guard inFence else { continue }
            var text = line
            var start = index + 1
            if let open = pending {
                text = open.text + " " + line.trimmingCharacters(in: .whitespaces)
                start = open.line
                pending = nil
            }
            if text.hasSuffix("\\") {
                pending = (start, String(text.dropLast()))
                continue
            }
            if let example = parse(text, line: start) { examples.append(example) }
        }
        return examples
    }

    /// Words before the command that a reader types too: a prompt, sudo, environment assignments,
    /// and the paths the README runs the binary by.
    private static let prefixes: Set<String> = ["$", "#", "sudo"]
    private static let binaryNames: Set<String> = ["isotrace", "/usr/local/bin/isotrace", "/usr/bin/isotrace",
                                                   ".build/release/isotrace", ".build/debug/isotrace", "./isotrace"]

    static func parse(_ text: String, line: Int) -> ReadmeExample? {
        guard let words = shellWords(text) else { return nil }
        var rest = words[...]
        while let first = rest.first, prefixes.contains(first) || isAssignment(first) { rest = rest.dropFirst() }
        guard let binary = rest.first, binaryNames.contains(binary) else { return nil }
        let arguments = Array(rest.dropFirst())
        let synopsis = arguments.contains { $0.hasPrefix("[") || $0.hasPrefix("(") || $0.contains("...") || $0.contains("…") }
        if synopsis || arguments.isEmpty { return nil }
        return ReadmeExample(line: line, text: text.trimmingCharacters(in: .whitespaces), arguments: arguments)
    }

    private static func isAssignment(_ word: String) -> Bool {
        guard let equals = word.firstIndex(of: "="), equals != word.startIndex else { return false }
        return word[..<equals].allSatisfy { $0 == "_" || $0.isLetter || $0.isNumber }
    }

    /// Shell words up to the first unquoted operator or comment; nil when quotes do not close. A word
    /// holding a shell expansion (`$VAR`, `$(…)`) stands for a value the reader's shell supplies: it
    /// is replaced by "1", which every option of isotrace that takes a number or a name accepts.
    static func shellWords(_ text: String) -> [String]? {
        var words: [String] = []
        var word = ""
        var inWord = false
        var expanded = false
        var quote: Character?
        var characters = Array(text)
        var index = 0
        func finish() {
            if inWord { words.append(expanded ? "1" : word) }
            word = ""; inWord = false; expanded = false
        }
        while index < characters.count {
            let character = characters[index]
            index += 1
            if let open = quote {
                if character == open { quote = nil; continue }
                if open == "\"" && character == "$" { expanded = true }
                if open == "\"" && character == "\\" && index < characters.count { word.append(characters[index]); index += 1; continue }
                word.append(character)
                continue
            }
            switch character {
            case "'", "\"":
                quote = character; inWord = true
            case "\\":
                if index < characters.count { word.append(characters[index]); index += 1; inWord = true }
            case " ", "\t":
                finish()
            case ">", "<" where inWord && !expanded && !word.isEmpty && word.allSatisfy(\.isNumber):
                // `2>file`: the digits name the descriptor redirected, not a word of the command.
                return words
            case "|", ">", "<", "&", ";":
                finish()
                return words
            case "#" where !inWord:
                return words
            case "$" where index < characters.count && (characters[index].isLetter || characters[index] == "_"
                                                        || characters[index] == "{" || characters[index] == "("):
                expanded = true; inWord = true
                if index < characters.count, characters[index] == "(" {
                    // Skip the command substitution as one unit.
                    var depth = 0
                    while index < characters.count {
                        if characters[index] == "(" { depth += 1 }
                        if characters[index] == ")" { depth -= 1; if depth == 0 { index += 1; break } }
                        index += 1
                    }
                }
            default:
                word.append(character); inWord = true
            }
        }
        characters.removeAll()
        if quote != nil { return nil }
        finish()
        return words
    }
}
