import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Certificates made with `openssl` in a fresh directory under /tmp for the TLS tests: a CA, a
/// server certificate for `localhost` and 127.0.0.1 (subjectAltName) signed by it, a client
/// certificate whose CN is a database user signed by it, and a second, unrelated CA (the wrong
/// one). EC P-256 keys, mode 0600. `remove()` deletes the directory.
final class TestCertificates {
    static let openssl = "/usr/bin/openssl"

    /// Why no certificates can be made here, nil when they can.
    static let unavailableReason: String? =
        Executables.isExecutable(openssl) ? nil : "\(openssl) not found: install openssl (make deps)"

    let directory: String
    var caCertificate: String { directory + "/ca.crt" }
    var serverCertificate: String { directory + "/server.crt" }
    var serverKey: String { directory + "/server.key" }
    var clientCertificate: String { directory + "/client.crt" }
    var clientKey: String { directory + "/client.key" }
    var otherCACertificate: String { directory + "/other-ca.crt" }

    /// Makes every file; `clientUser` becomes the client certificate's CN.
    init(clientUser: String) throws {
        directory = try TestDirectory("isotrace-tls", mode: 0o700).path
        do {
            try makeAuthority("ca", subject: "/CN=isotrace test CA")
            try makeAuthority("other-ca", subject: "/CN=isotrace unrelated CA")
            try makeSigned("server", subject: "/CN=localhost", extensions: """
                basicConstraints=critical,CA:FALSE
                keyUsage=critical,digitalSignature,keyEncipherment
                extendedKeyUsage=serverAuth
                subjectAltName=DNS:localhost,IP:127.0.0.1
                """)
            try makeSigned("client", subject: "/CN=\(clientUser)", extensions: """
                basicConstraints=critical,CA:FALSE
                keyUsage=critical,digitalSignature,keyEncipherment
                extendedKeyUsage=clientAuth
                """)
        } catch {
            remove()
            throw error
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func makeAuthority(_ name: String, subject: String) throws {
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).crt", "-days", "2", "-subj", subject,
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    }

    private func makeSigned(_ name: String, subject: String, extensions: String) throws {
        let extensionFile = "\(directory)/\(name).ext"
        guard FileManager.default.createFile(atPath: extensionFile, contents: Data((extensions + "\n").utf8)) else {
            throw ServerError("cannot write \(extensionFile)")
        }
        try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr", "-subj", subject])
        try openssl(["x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", caCertificate, "-CAkey", "\(directory)/ca.key",
                     "-CAcreateserial", "-days", "2", "-extfile", extensionFile, "-out", "\(directory)/\(name).crt"])
        chmod("\(directory)/\(name).key", 0o600)
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try Command.run([Self.openssl] + arguments, directory: directory)
        guard result.status == 0 else { throw ServerError("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(result)") }
    }
}
