import PostgresNIO

/// Why the central database could not be used. `usage` is a mistake in what was asked (exit 2
/// before any connection); `database` a failure to connect or of a statement, with the server's
/// message but never the password.
public enum SinkError: Error, CustomStringConvertible, Equatable {
    case usage(String)
    case database(String)
    case local(String)

    public var description: String {
        switch self {
        case .usage(let text), .database(let text), .local(let text): return text
        }
    }

    /// The server's message and SQLSTATE, or the connection failure, of a postgres-nio error
    /// (whose own description is deliberately generic).
    public static func describe(_ error: any Error) -> String {
        if let sink = error as? SinkError { return sink.description }
        if let psql = error as? PSQLError {
            if let info = psql.serverInfo, let message = info[.message] {
                return "server: \(message)" + (info[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
                    + (info[.detail].map { "; \($0)" } ?? "")
            }
            if let underlying = psql.underlying { return "\(psql.code): \(describeTLS(underlying) ?? "\(underlying)")" }
            return "\(psql.code)"
        }
        return "\(error)"
    }

    /// A TLS failure in words, with BoringSSL's reason but not its source paths; nil for other errors.
    static func describeTLS(_ error: any Error) -> String? {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "TLS: the server's certificate names neither this host nor its address (sslmode=verify-full)"
        }
        guard let ssl = error as? NIOSSLError, case .handshakeFailed(.sslError(let stack)) = ssl else { return nil }
        let reasons = stack.map { entry -> String in
            let text = "\(entry)"
            let message = text.range(of: " at ").map { String(text[..<$0.lowerBound]) } ?? text
            return message.split(separator: ":").last.map(String.init) ?? message
        }
        if reasons.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS: the server's certificate is not signed by a trusted CA (sslrootcert, else the system's CAs): CERTIFICATE_VERIFY_FAILED"
        }
        return "TLS handshake failed: \(reasons.joined(separator: ", "))"
    }
}
