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
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        return "\(error)"
    }
}
