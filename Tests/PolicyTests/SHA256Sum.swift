import Foundation
import TestSupport

/// SHA-256 computed by coreutils' `sha256sum`, independently of the code under test.
enum SHA256Sum {
    struct Unavailable: Error {}

    static func hex(of bytes: Data) throws -> String {
        let directory = try TestDirectory("isotrace-sha256")
        defer { directory.remove() }
        let file = directory.file("input")
        try bytes.write(to: URL(fileURLWithPath: file))
        guard let sha256sum = Executables.onPath("sha256sum") else { throw Unavailable() }
        let result = try Command.run([sha256sum, file])
        guard result.status == 0 else { throw Unavailable() }
        return result.stdout.split(separator: " ").first.map(String.init) ?? ""
    }
}
