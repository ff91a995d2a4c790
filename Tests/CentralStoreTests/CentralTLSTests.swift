import Foundation
import TestSupport
import Testing

/// The URL's sslmode, sslrootcert, sslcert and sslkey against a real PostgreSQL with `ssl=on` that
/// takes TCP connections only over TLS (`hostssl`), through the isotrace binary: certificates made
/// with openssl per test. In the suite, so the servers run one at a time.
extension CentralStoreTests {
    static let certificateUser = "isotrace_cert"

    @Test("TLS: verify-full with the right CA connects; a wrong CA or host name fails with exit 2; plain TCP is refused; a client certificate logs in without a password",
          .enabled(if: TestCertificates.unavailableReason == nil, "\(TestCertificates.unavailableReason ?? "")"))
    func tlsModesAndClientCertificates() throws {
        let certificates = try TestCertificates(clientUser: Self.certificateUser)
        defer { certificates.remove() }
        // 127.0.0.2 is the same server under an address its certificate does not name.
        let server = try PostgresServer(
            settings: ["fsync=off", "listen_addresses=127.0.0.1,127.0.0.2"],
            tls: .init(certificate: certificates.serverCertificate, key: certificates.serverKey, authority: certificates.caCertificate,
                       hostSSLLines: ["hostssl all \(Self.certificateUser) 127.0.0.0/8 cert",
                                      "hostssl all \(PostgresServer.user) 127.0.0.0/8 scram-sha-256"]))
        defer { server.remove() }
        try server.sql("CREATE ROLE \(Self.certificateUser) LOGIN CREATEROLE")
        try server.sql("CREATE DATABASE \(Self.certificateUser) OWNER \(Self.certificateUser)")

        func url(host: String = "127.0.0.1", user: String = PostgresServer.user, _ query: String) -> String {
            "postgres://\(user)@\(host):\(server.port)/\(user == PostgresServer.user ? PostgresServer.database : user)?\(query)&connect_timeout=5"
        }
        func dbInit(_ url: String, password: Bool = true) throws -> CommandResult {
            let result = try isotrace(["db", "init", "--sink", url] + (password ? ["--password-file", server.passwordFile] : []))
            #expect(!(result.stdout + result.stderr).contains(server.password))
            return result
        }
        let rightCA = "sslrootcert=\(certificates.caCertificate)"
        let wrongCA = "sslrootcert=\(certificates.otherCACertificate)"

        // verify-full against the CA that signed the server's certificate: by IP and by name.
        let verified = try dbInit(url("sslmode=verify-full&\(rightCA)"))
        #expect(verified.status == 0 && verified.stdout.contains("schema version 4"), "\(verified)")
        let byName = try dbInit(url(host: "localhost", "sslmode=verify-full&\(rightCA)"))
        #expect(byName.status == 0 && byName.stdout.contains("already up to date"), "\(byName)")
        // Records travel over it too.
        let node = try SimulatedNode(hostname: "node-tls")
        defer { node.remove() }
        try node.append(20, pandaIDs: ["9100000091"])
        let tlsSink = url("sslmode=verify-full&\(rightCA)")
        let shipped = try isotrace(["ship", "--out", node.directory, "--sink", tlsSink, "--password-file", server.passwordFile])
        #expect(shipped.status == 0 && shipped.stdout.contains("shipped 20 record(s)"), "\(shipped)")
        let asked = try isotrace(["query", "--db", tlsSink, "--password-file", server.passwordFile, "--panda-id", "9100000091"])
        #expect(asked.status == 0 && asked.stdout.contains("node-tls"), "\(asked)")

        // A CA that did not sign the server's certificate: refused, by verify-full and verify-ca.
        for mode in ["verify-full", "verify-ca"] {
            let untrusted = try dbInit(url("sslmode=\(mode)&\(wrongCA)"))
            #expect(untrusted.status == 2, "\(mode): \(untrusted)")
            #expect(untrusted.stderr.contains("cannot connect") && untrusted.stderr.contains("not signed by a trusted CA"), "\(mode): \(untrusted)")
            #expect(!untrusted.stderr.contains("handshake.cc"), "\(mode): \(untrusted)")
            print("sslmode=\(mode), wrong CA: exit \(untrusted.status): \(untrusted.stderr)", terminator: "")
        }
        // The right CA but an address the certificate does not name: verify-full refuses, verify-ca
        // (chain only) accepts.
        let wrongHost = try dbInit(url(host: "127.0.0.2", "sslmode=verify-full&\(rightCA)"))
        #expect(wrongHost.status == 2 && wrongHost.stderr.contains("names neither this host nor its address"), "\(wrongHost)")
        print("sslmode=verify-full, host not in the certificate: exit \(wrongHost.status): \(wrongHost.stderr)", terminator: "")
        let chainOnly = try dbInit(url(host: "127.0.0.2", "sslmode=verify-ca&\(rightCA)"))
        #expect(chainOnly.status == 0, "\(chainOnly)")
        // require and prefer encrypt without checking the certificate (no sslrootcert).
        for mode in ["require", "prefer"] {
            let unchecked = try dbInit(url("sslmode=\(mode)"))
            #expect(unchecked.status == 0, "\(mode): \(unchecked)")
        }
        // As libpq: require with an sslrootcert checks the chain (verify-ca).
        let requireRightCA = try dbInit(url("sslmode=require&\(rightCA)"))
        #expect(requireRightCA.status == 0, "\(requireRightCA)")
        let requireWrongCA = try dbInit(url("sslmode=require&\(wrongCA)"))
        #expect(requireWrongCA.status == 2 && requireWrongCA.stderr.contains("not signed by a trusted CA"), "\(requireWrongCA)")
        // Without TLS the hostssl-only server has no pg_hba.conf line for the connection.
        let plain = try dbInit(url("sslmode=disable"))
        #expect(plain.status == 2, "\(plain)")
        #expect(plain.stderr.contains("no pg_hba.conf entry") && plain.stderr.contains("no encryption"), "\(plain)")
        print("sslmode=disable: exit \(plain.status): \(plain.stderr)", terminator: "")

        // Certificate authentication: the client certificate's CN is the user; no password at all.
        let certificate = "sslcert=\(certificates.clientCertificate)&sslkey=\(certificates.clientKey)"
        let byCertificate = try dbInit(url(user: Self.certificateUser, "sslmode=verify-full&\(rightCA)&\(certificate)"), password: false)
        #expect(byCertificate.status == 0 && byCertificate.stdout.contains("schema version 4"), "\(byCertificate)")
        #expect(try server.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'isotrace' AND nspowner = 'isotrace_owner'::regrole",
                                 database: Self.certificateUser) == "1")
        let noCertificate = try dbInit(url(user: Self.certificateUser, "sslmode=verify-full&\(rightCA)"), password: false)
        #expect(noCertificate.status == 2 && noCertificate.stderr.contains("requires a valid client certificate"), "\(noCertificate)")
        print("cert user without sslcert: exit \(noCertificate.status): \(noCertificate.stderr)", terminator: "")
    }
}
