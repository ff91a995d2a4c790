import Foundation

/// Runs Tests/ReportsTests/check_html.py: a strict XML parse of a report (expat) and a PNG reader.
public enum ReportChecker {
    public static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: Executables.isExecutable)
    public static let missingReason = "needs python3 (make deps installs it) to check the reports"

    /// What the strict parse saw: element and attribute names, URLs the page would fetch, its text.
    public struct Page {
        public var elements: Set<String>
        public var attributes: Set<String>
        public var external: [String]
        public var text: String
    }

    /// A PNG's size and how many of its pixels are the report's isolated green and not-isolated red.
    public struct Image {
        public var width: Int
        public var height: Int
        public var okPixels: Int?
        public var badPixels: Int?
    }

    /// Parses `file` strictly; throws with the parser's line and column when it is not well-formed.
    public static func page(_ file: String) throws -> Page {
        let object = try run("html", file)
        return Page(elements: Set(object["elements"] as? [String] ?? []), attributes: Set(object["attributes"] as? [String] ?? []),
                    external: object["external"] as? [String] ?? [], text: object["text"] as? String ?? "")
    }

    public static func image(_ file: String) throws -> Image {
        let object = try run("png", file)
        return Image(width: object["width"] as? Int ?? 0, height: object["height"] as? Int ?? 0,
                     okPixels: object["ok_pixels"] as? Int, badPixels: object["bad_pixels"] as? Int)
    }

    private static func run(_ mode: String, _ file: String) throws -> [String: Any] {
        guard let python else { throw SpawnError(message: missingReason) }
        let result = try Command.run([python, Repository.htmlChecker, mode, file], timeout: 120)
        guard result.status == 0 else { throw SpawnError(message: "check_html.py \(mode) \(file): \(result.description)") }
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw SpawnError(message: "check_html.py \(mode) \(file): not a JSON object: \(result.stdout.prefix(500))")
        }
        return object
    }
}
