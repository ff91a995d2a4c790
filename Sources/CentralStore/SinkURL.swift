import Foundation

/// A PostgreSQL connection URL as libpq writes it:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB?sslmode=MODE&sslrootcert=FILE&sslcert=FILE&sslkey=FILE&host=/SOCKETDIR`.
/// The password, when the URL has one, never appears in `redacted` (what messages print).
public struct SinkURL: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    /// The password written in the URL; a password file is better (the command line is public).
    public var password: String?
    /// Host name or IP; nil with `socketDirectory`.
    public var host: String?
    public var port: Int
    public var database: String
    /// `?host=/run/postgresql`: the directory of the server's Unix socket `.s.PGSQL.<port>`.
    public var socketDirectory: String?
    public var sslMode: SSLMode
    public var sslRootCert: String?
    public var sslCert: String?
    public var sslKey: String?
    public var connectTimeoutSeconds: Int

    /// libpq's sslmode values, mapped onto postgres-nio's TLS (see `SinkConnector`).
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public init(parsing text: String) throws(SinkError) {
        guard let components = URLComponents(string: text),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else { throw .usage("sink URL must look like postgres://USER@HOST[:PORT]/DB[?sslmode=require]") }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        let known: Set<String> = ["sslmode", "sslrootcert", "sslcert", "sslkey", "host", "port", "connect_timeout", "user", "dbname"]
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw .usage("sink URL: unknown parameter '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        user = components.percentEncodedUser?.removingPercentEncoding ?? parameters["user"] ?? ""
        guard !user.isEmpty else { throw .usage("sink URL names no user (postgres://USER@HOST/DB)") }
        password = components.percentEncodedPassword?.removingPercentEncoding
        let hostPart = components.percentEncodedHost?.removingPercentEncoding ?? ""
        if let directory = parameters["host"], directory.hasPrefix("/") {
            socketDirectory = directory
        } else if hostPart.hasPrefix("/") {
            socketDirectory = hostPart
        }
        host = socketDirectory == nil ? (hostPart.isEmpty ? parameters["host"] ?? "localhost" : hostPart) : nil
        if host?.hasPrefix("[") == true { host = String(host!.dropFirst().dropLast()) }
        let port = components.port ?? parameters["port"].flatMap(Int.init) ?? 5432
        guard (1...65535).contains(port) else {
            throw .usage("sink URL: invalid port")
        }
        self.port = port
        let path = String(components.path.drop(while: { $0 == "/" }))
        database = path.isEmpty ? parameters["dbname"] ?? user : path
        let mode = parameters["sslmode"] ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw .usage("sink URL: sslmode '\(mode)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.sslMode = sslMode
        sslRootCert = parameters["sslrootcert"]
        sslCert = parameters["sslcert"]
        sslKey = parameters["sslkey"]
        if (sslCert == nil) != (sslKey == nil) { throw .usage("sink URL: sslcert and sslkey go together") }
        guard let timeout = Int(parameters["connect_timeout"] ?? "10"), timeout > 0 else {
            throw .usage("sink URL: connect_timeout must be a positive number of seconds")
        }
        connectTimeoutSeconds = timeout
    }

    /// The server and database, for cursor files and messages: `HOST:PORT/DB` or `SOCKETDIR:PORT/DB`.
    public var endpoint: String { "\(socketDirectory ?? host ?? ""):\(port)/\(database)" }

    /// The URL without its password.
    public var redacted: String {
        let authority = socketDirectory == nil ? "\(host!.contains(":") ? "[\(host!)]" : host!):\(port)" : ""
        var query = ["sslmode=\(sslMode.rawValue)"]
        if let socketDirectory { query.append("host=\(socketDirectory)&port=\(port)") }
        if let sslRootCert { query.append("sslrootcert=\(sslRootCert)") }
        if let sslCert { query.append("sslcert=\(sslCert)") }
        return "postgres://\(user)\(password == nil ? "" : ":***")@\(authority)/\(database)?\(query.joined(separator: "&"))"
    }

    public var description: String { redacted }
}
