import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL 15 for one test, from Debian's packages: initdb into a fresh directory under
/// /tmp (data, Unix socket, log), started with pg_ctl on a free loopback port with password
/// (scram-sha-256) authentication over TCP and trust on its own Unix socket (for psql in the
/// tests). initdb refuses to run as root, so as root the server runs as the `postgres` user
/// (created by the Debian package) or `nobody`. With `tls`, the server has `ssl=on` and takes
/// TCP connections only as pg_hba.conf's `hostssl` lines say. `remove()` stops it and deletes the
/// directory.
final class PostgresServer {
    /// TLS for the server: its certificate and key, the CA it checks client certificates with,
    /// and the `hostssl` lines that replace initdb's TCP lines in pg_hba.conf (its own Unix
    /// socket stays `trust`, for psql).
    struct TLS {
        var certificate: String
        var key: String
        var authority: String
        var hostSSLLines: [String]
    }

    static let binDirectory = "/usr/lib/postgresql/15/bin"
    static let user = "isotrace"
    static let database = "postgres"

    /// Why no server can be started here, nil when one can.
    static let unavailableReason: String? = {
        for tool in ["initdb", "pg_ctl", "postgres", "psql"] where !Executables.isExecutable("\(binDirectory)/\(tool)") {
            return "\(binDirectory)/\(tool) not found: install postgresql-15 and postgresql-client-15 (make deps)"
        }
        if geteuid() == 0, serverAccount == nil { return "running as root and neither a postgres nor a nobody user exists for initdb" }
        if !Executables.isExecutable("/usr/bin/setpriv"), geteuid() == 0 { return "setpriv (util-linux) not found" }
        return nil
    }()

    /// The account the server runs as when the tests run as root.
    static let serverAccount: (uid: uid_t, gid: gid_t, name: String)? = {
        for name in ["postgres", "nobody"] {
            if let entry = getpwnam(name) { return (entry.pointee.pw_uid, entry.pointee.pw_gid, name) }
        }
        return nil
    }()

    let directory: String
    var dataDirectory: String { directory + "/data" }
    let password: String
    /// The password for isotrace's --password-file (mode 0600, owned by the tests' user).
    let passwordFile: String
    private(set) var port: Int = 0

    init(settings: [String] = ["fsync=off"], tls: TLS? = nil) throws {
        directory = try TestDirectory("isotrace-pg", mode: 0o700).path
        password = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        passwordFile = directory + "-password"
        self.settings = settings + (tls == nil ? [] : ["ssl=on", "ssl_cert_file=server.crt", "ssl_key_file=server.key", "ssl_ca_file=root.crt"])
        let initPassword = directory + "/initdb-password"
        FileManager.default.createFile(atPath: initPassword, contents: Data(password.utf8), attributes: [.posixPermissions: 0o600])
        FileManager.default.createFile(atPath: passwordFile, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600])
        if geteuid() == 0, let account = Self.serverAccount {
            chown(directory, account.uid, account.gid)
            chown(initPassword, account.uid, account.gid)
        }
        do {
            let result = try runAsServer(["\(Self.binDirectory)/initdb", "-D", dataDirectory, "-U", Self.user, "--pwfile", initPassword,
                                          "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            guard result.status == 0 else { throw ServerError("initdb failed: \(result)") }
            if let tls { try install(tls) }
            try start()
        } catch {
            remove()
            throw error
        }
    }

    private let settings: [String]

    /// `postgres://isotrace@127.0.0.1:PORT/postgres?sslmode=disable`: no password in it.
    var url: String { "postgres://\(Self.user)@127.0.0.1:\(port)/\(Self.database)?sslmode=disable&connect_timeout=2" }

    /// Starts the server (on the same port after a stop); waits until it accepts connections.
    func start() throws {
        var lastError = ""
        for _ in 0..<5 {
            if port == 0 { port = try LoopbackPort.free() }
            let options = (["-p \(port)", "-k \(directory)", "-c listen_addresses=127.0.0.1"] + settings.map { "-c \($0)" }).joined(separator: " ")
            let result = try runAsServer(["\(Self.binDirectory)/pg_ctl", "-D", dataDirectory, "-o", options, "-l", directory + "/server.log", "-w", "-t", "60", "start"])
            if result.status == 0 { return }
            lastError = "\(result)\n" + ((try? String(contentsOfFile: directory + "/server.log", encoding: .utf8))?.suffix(2000) ?? "")
            if !lastError.contains("Address already in use") { break }
            port = 0
        }
        throw ServerError("pg_ctl start failed: \(lastError)")
    }

    /// Copies the certificate, key (0600, owned by the server's account, as PostgreSQL demands)
    /// and CA into the data directory (paths in it are relative to it) and writes pg_hba.conf.
    private func install(_ tls: TLS) throws {
        let hba = (["local all all trust"] + tls.hostSSLLines).joined(separator: "\n") + "\n"
        let files = [("server.crt", try Data(contentsOf: URL(fileURLWithPath: tls.certificate)), 0o644),
                     ("server.key", try Data(contentsOf: URL(fileURLWithPath: tls.key)), 0o600),
                     ("root.crt", try Data(contentsOf: URL(fileURLWithPath: tls.authority)), 0o644),
                     ("pg_hba.conf", Data(hba.utf8), 0o600)]
        for (name, contents, mode) in files {
            let path = dataDirectory + "/" + name
            try? FileManager.default.removeItem(atPath: path)
            guard FileManager.default.createFile(atPath: path, contents: contents, attributes: [.posixPermissions: mode]) else {
                throw ServerError("cannot write \(path)")
            }
            chmod(path, mode_t(mode))
            if geteuid() == 0, let account = Self.serverAccount { chown(path, account.uid, account.gid) }
        }
    }

    /// Stops the server: `fast` (clean) or `immediate` (as if it crashed).
    func stop(mode: String = "fast") throws {
        let result = try runAsServer(["\(Self.binDirectory)/pg_ctl", "-D", dataDirectory, "-m", mode, "-w", "-t", "60", "stop"])
        guard result.status == 0 else { throw ServerError("pg_ctl stop failed: \(result)") }
    }

    /// Stops the server if it runs and deletes its directory and the password file.
    func remove() {
        if FileManager.default.fileExists(atPath: dataDirectory + "/postmaster.pid") { try? stop(mode: "immediate") }
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: passwordFile)
    }

    /// Runs SQL with psql over the server's Unix socket (trust); returns its unaligned output.
    @discardableResult
    func sql(_ statement: String, database: String = PostgresServer.database, user: String = PostgresServer.user) throws -> String {
        let result = try sqlResult(statement, database: database, user: user)
        guard result.status == 0 else { throw ServerError("psql failed: \(result)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs SQL with psql as `user` (trust on the Unix socket: any role that may log in), for
    /// statements expected to fail.
    func sqlResult(_ statement: String, database: String = PostgresServer.database, user: String = PostgresServer.user) throws -> CommandResult {
        try Command.run(["\(Self.binDirectory)/psql", "-h", directory, "-p", String(port), "-U", user, "-d", database,
                         "-v", "ON_ERROR_STOP=1", "-Atqc", statement])
    }

    /// Runs SQL as the superuser with triggers off (`session_replication_role = replica`): the
    /// tampering only a superuser of the database server can do, which `verify --db` must catch.
    @discardableResult
    func sqlAsSuperuserBypassingTriggers(_ statement: String) throws -> String {
        try sql("SET session_replication_role = replica; " + statement)
    }

    /// Runs a server tool (as the server account when root) with every inherited descriptor above
    /// stderr closed first: the postmaster pg_ctl leaves running must not hold the pipe through
    /// which Foundation's Process learns that its child exited.
    private func runAsServer(_ arguments: [String]) throws -> CommandResult {
        let closing = ["/bin/bash", "-c", #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null; done; exec "$@""#, "bash"]
        guard geteuid() == 0, let account = Self.serverAccount else { return try Command.run(closing + arguments) }
        return try Command.run(["/usr/bin/setpriv", "--reuid=\(account.uid)", "--regid=\(account.gid)", "--clear-groups", "--"] + closing + arguments,
                               directory: directory)
    }
}

struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
