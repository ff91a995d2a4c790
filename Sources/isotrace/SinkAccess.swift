import CentralStore

/// The central database as the command line names it: a URL (`--sink` or `--db`) and a password
/// file; errors go to stderr with the URL redacted, and exit 2.
enum SinkAccess {
    static func connector(url text: String, passwordFile: String?) throws -> SinkConnector {
        do throws(SinkError) {
            let url = try SinkURL(parsing: text)
            if url.password != nil, passwordFile == nil {
                FileOutput.standardError.write("isotrace: warning: the password in the URL is visible to every user of this machine (ps); use --password-file or ~/.pgpass\n")
            }
            return SinkConnector(url: url, password: try PasswordSource.password(for: url, passwordFile: passwordFile))
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
    }

    /// Connects, runs `body`, closes; a SinkError is printed and exits 2.
    static func with<T: Sendable>(_ connector: SinkConnector, requireSchema: Bool = true,
                                  _ body: @escaping @Sendable (CentralDatabase) async throws(SinkError) -> T) throws -> T {
        do throws(SinkError) {
            return try connector.session(requireSchema: requireSchema, body)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
    }
}
