import Foundation

/// SHA-256 computed by coreutils' `sha256sum`, independently of the code under test.
enum SHA256Sum {
    struct Unavailable: Error {}

    static func hex(of bytes: Data) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(bytes)
        try input.fileHandleForWriting.close()
        let result = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Unavailable() }
        return String(decoding: result, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
