import Logging
import PostgresNIO

/// Opens connections to the central database described by a `SinkURL` and a password.
///
/// sslmode maps onto postgres-nio's TLS: `disable` no TLS; `allow` and `prefer` TLS when the
/// server offers it, without certificate checks; `require` TLS or fail, without certificate
/// checks unless `sslrootcert` is given (then as `verify-ca`, as libpq does); `verify-ca` TLS
/// with the server's chain checked against `sslrootcert` (else the system's trust store) but not its name;
/// `verify-full` both chain and host name. `sslcert` + `sslkey` present a client certificate
/// (PostgreSQL's `cert` authentication). postgres-nio has no `allow` (plain first, TLS on
/// refusal): it behaves as `prefer`.
public struct SinkConnector: Sendable {
    public let url: SinkURL
    let password: String?

    public init(url: SinkURL, password: String?) {
        self.url = url
        self.password = password
    }

    /// Quiet: postgres-nio logs at debug level only; isotrace reports failures itself.
    static let quietLogger = Logger(label: "isotrace.sink", factory: { _ in SwiftLogNoOpLogHandler() })

    public func configuration() throws(SinkError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let directory = url.socketDirectory {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: "\(directory)/.s.PGSQL.\(url.port)", username: url.user, password: password, database: url.database)
        } else {
            configuration = PostgresConnection.Configuration(
                host: url.host ?? "localhost", port: url.port, username: url.user, password: password,
                database: url.database, tls: try tls())
        }
        configuration.options.connectTimeout = .seconds(Int64(url.connectTimeoutSeconds))
        return configuration
    }

    func tls() throws(SinkError) -> PostgresConnection.Configuration.TLS {
        guard url.sslMode != .disable else { return .disable }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch url.sslMode {
        case .disable, .allow, .prefer: tls.certificateVerification = .none
        case .require: tls.certificateVerification = url.sslRootCert == nil ? .none : .noHostnameVerification
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        do {
            if let root = url.sslRootCert { tls.trustRoots = .file(root) }
            if let cert = url.sslCert, let key = url.sslKey {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                // PEM, as libpq reads sslkey: NIOSSL's `.file` guesses the format from the file name
                // and takes `.key` (libpq's postgresql.key) for DER.
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
            let context = try NIOSSLContext(configuration: tls)
            return url.sslMode == .allow || url.sslMode == .prefer ? .prefer(context) : .require(context)
        } catch {
            throw .usage("TLS set-up for \(url.redacted): \(error)")
        }
    }

    public func connect(id: Int = 1) async throws(SinkError) -> CentralDatabase {
        let configuration = try configuration()
        let connection = try await Deadline.run(seconds: url.connectTimeoutSeconds + 5, "cannot connect to \(url.redacted)") {
            try await PostgresConnection.connect(configuration: configuration, id: id, logger: Self.quietLogger)
        }
        return CentralDatabase(connection: connection, url: url)
    }
}
