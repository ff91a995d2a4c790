import Foundation
import TestSupport
import Testing

/// Runs Tests/ReportsTests/check_html.py: a strict XML parse of a report (expat) and a PNG reader.
enum ReportChecker {
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    struct Page {
        var elements: Set<String>
        var attributes: Set<String>
        var external: [String]
        var text: String
    }

    struct Image {
        var width: Int
        var height: Int
        var okPixels: Int?
        var badPixels: Int?
    }

    /// Parses `file` strictly; records an issue with the parser's line and column when it is not well-formed.
    static func page(_ file: String) throws -> Page {
        let object = try run("html", file)
        return Page(elements: Set(object["elements"] as? [String] ?? []), attributes: Set(object["attributes"] as? [String] ?? []),
                    external: object["external"] as? [String] ?? [], text: object["text"] as? String ?? "")
    }

    static func image(_ file: String) throws -> Image {
        let object = try run("png", file)
        return Image(width: object["width"] as? Int ?? 0, height: object["height"] as? Int ?? 0,
                     okPixels: object["ok_pixels"] as? Int, badPixels: object["bad_pixels"] as? Int)
    }

    private static func run(_ mode: String, _ file: String) throws -> [String: Any] {
        let python = try #require(python, "python3 is needed to check the reports (make deps installs it)")
        let result = try Command.run([python, ReportFixtures.checker, mode, file], timeout: 120)
        try #require(result.status == 0, "check_html.py \(mode) \(file): \(result.description)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }
}
