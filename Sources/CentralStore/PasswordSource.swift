import Base
import Foundation

/// Where the database password comes from, never the command line: `--password-file FILE` (its
/// first line), else the URL's own password, else a libpq password file (`$PGPASSFILE`, default
/// `~/.pgpass`: `host:port:database:user:password` lines, `*` matching anything). A password file
/// readable by group or others is refused, as libpq does.
public enum PasswordSource {
    public static func password(for url: SinkURL, passwordFile: String?,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws(SinkError) -> String? {
        if let passwordFile {
            let text = try readPrivate(passwordFile)
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        if let password = url.password { return password }
        let pgpass = environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
        guard let pgpass, Syscalls.isReadable(pgpass) else { return nil }
        return lookup(try readPrivate(pgpass), url: url)
    }

    /// The password of the first matching `.pgpass` line (`\:` and `\\` escaped as libpq does).
    static func lookup(_ text: String, url: SinkURL) -> String? {
        let wanted = [url.socketDirectory.map { _ in "localhost" } ?? url.host ?? "", String(url.port), url.database, url.user]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            var fields: [String] = [], field = "", escaped = false
            for character in line {
                if escaped { field.append(character); escaped = false }
                else if character == "\\" { escaped = true }
                else if character == ":" && fields.count < 4 { fields.append(field); field = "" }
                else { field.append(character) }
            }
            fields.append(field)
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func readPrivate(_ path: String) throws(SinkError) -> String {
        let mode: mode_t
        do {
            mode = try Syscalls.status(of: path).mode
        } catch {
            throw .usage("password file \(path): \(error.errno)")
        }
        guard mode & 0o077 == 0 else {
            throw .usage("password file \(path) is readable by group or others (mode \(String(mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard let bytes = try? Syscalls.readRange(path, from: 0), let text = String(data: Data(bytes), encoding: .utf8) else {
            throw .usage("password file \(path): cannot read it as UTF-8 text")
        }
        return text
    }
}
