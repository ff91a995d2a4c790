import Foundation

/// Where an HTML report goes: a file (default in the state directory, written whole or not at all) or,
/// for `--output -`, stdout. The path is said on stderr, so stdout stays the result.
enum ReportFile {
    static func write(_ html: String, to path: String, what: String) throws {
        if path == "-" {
            FileOutput.standardOutput.write(html)
            return
        }
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(html.utf8).write(to: url, options: .atomic)
        } catch {
            FileOutput.standardError.write("isotrace: error: cannot write \(what) to \(path): \(Self.reason(error))\n")
            throw ExitCodeError.operational
        }
        let size = html.utf8.count
        let shown = size >= 10_240 ? "\(size / 1024) KB" : "\(size) bytes"
        FileOutput.standardError.write("isotrace: wrote \(what) \(path) (\(shown))\n")
    }

    /// The POSIX reason when Foundation kept one, else what its error code means.
    private static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        switch (error as? CocoaError)?.code {
        case .fileNoSuchFile?, .fileReadNoSuchFile?: return "no such file or directory"
        case .fileWriteNoPermission?, .fileReadNoPermission?: return "permission denied"
        case .fileWriteVolumeReadOnly?: return "read-only file system"
        case .fileWriteOutOfSpace?: return "no space left on device"
        case .fileWriteFileExists?: return "a file is in the way of the directory"
        default: return nsError.localizedDescription
        }
    }
}
