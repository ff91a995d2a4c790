import Crypto
import Foundation
import Records
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Ed25519 keys: files, modes, refusals, and interoperability with openssl.
@Suite struct KeyTests {
    @Test("keygen writes PKCS#8 (0600) and SPKI PEM that load back; key_id is SHA-256 of the SPKI DER")
    func roundTrip() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let offline = directory.file("root.key")
        let result = try IsotraceBinary.run("keygen", "--out", directory.path, "--offline-copy", offline)
        #expect(result.status == 0, "\(result)")
        let files = KeyPairFiles(outputDirectory: directory.path)
        // The root private key only in the offline copy; the node keeps its epoch 1 key.
        #expect(!FileManager.default.fileExists(atPath: files.privateKeyPath))
        #expect(try FileManager.default.contentsOfDirectory(atPath: files.directory).sorted() == ["epoch-1.key", "isotrace.pub"])
        for path in [offline, files.directory + "/epoch-1.key"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(path)")
        }
        let privateKey = try RecordSigningKey.load(path: offline)
        let publicKey = try RecordPublicKey.load(path: files.publicKeyPath)
        #expect(privateKey.publicKey == publicKey)
        #expect(result.stdout.contains("key_id \(publicKey.keyID)"))
        #expect(publicKey.keyID == String(SHA256.hash(data: publicKey.der).map { String(format: "%02x", $0) }.joined().prefix(16)))
        #expect(publicKey.der.count == 44)
        let message = Array("canonical record".utf8)
        #expect(publicKey.isValidSignature(try privateKey.signature(for: message), for: message))
        #expect(!publicKey.isValidSignature(try privateKey.signature(for: message), for: message + [0x20]))
    }

    @Test("keygen never overwrites an existing key: exit 2 and the files are unchanged")
    func refusesOverwrite() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        #expect(try IsotraceBinary.run("keygen", "--out", directory.path).status == 0)
        let files = KeyPairFiles(outputDirectory: directory.path)
        let epochKey = files.directory + "/epoch-1.key"
        let before = try String(contentsOfFile: files.publicKeyPath, encoding: .utf8) + String(contentsOfFile: epochKey, encoding: .utf8)
        let again = try IsotraceBinary.run("keygen", "--out", directory.path)
        #expect(again.status == 2, "\(again)")
        #expect(again.stderr.contains("isotrace.pub: already exists"))
        #expect(try String(contentsOfFile: files.publicKeyPath, encoding: .utf8) + String(contentsOfFile: epochKey, encoding: .utf8) == before)
        // Only the public key missing: still refused (the chain keygen began is there), nothing written.
        try FileManager.default.removeItem(atPath: files.publicKeyPath)
        #expect(try IsotraceBinary.run("keygen", "--out", directory.path).status == 2)
        #expect(!FileManager.default.fileExists(atPath: files.publicKeyPath))
    }

    @Test("a private key readable by group or others is refused, naming the file and its mode", arguments: [0o640, 0o604, 0o660, 0o620])
    func refusesOpenPermissions(mode: Int) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        #expect(try IsotraceBinary.run("keygen", "--out", directory.path).status == 0)
        let epochKey = KeyPairFiles(outputDirectory: directory.path).directory + "/epoch-1.key"
        let chain = try chainLines(directory.path)
        #expect(chmod(epochKey, mode_t(mode)) == 0)
        #expect(throws: KeyError.self) { try RecordSigningKey.load(path: epochKey) }
        let audit = try Command.run(try IsotraceBinary.auditRecordArguments(out: directory.path))
        #expect(audit.status == 2, "\(audit)")
        #expect(audit.stderr.contains(epochKey) && audit.stderr.contains("mode 0\(String(mode, radix: 8))"), "\(audit.stderr)")
        #expect(try chainLines(directory.path) == chain)  // refused before touching the chain
        #expect(FileManager.default.fileExists(atPath: epochKey))  // a key with a wrong mode is refused, never erased
        #expect(chmod(epochKey, 0o400) == 0)
        #expect(throws: Never.self) { try RecordSigningKey.load(path: epochKey) }
    }

    @Test("files that are not Ed25519 PEM keys are refused with the file named")
    func refusesGarbage() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("bad.key")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8), attributes: [.posixPermissions: 0o600]))
        #expect(throws: KeyError.self) { try RecordSigningKey.load(path: path) }
        #expect(throws: KeyError.self) { try RecordPublicKey.load(path: directory.file("missing.pub")) }
        let verify = try IsotraceBinary.run("verify", "--out", directory.path)
        #expect(verify.status == 2 && verify.stderr.contains("keys/isotrace.pub"), "\(verify)")
    }

    @Test("openssl reads isotrace's keys and verifies its signatures; isotrace reads openssl's keys",
          .enabled(if: Requirements.openssl != nil, "openssl is not installed"))
    func opensslInterop() throws {
        let openssl = try #require(Requirements.openssl)
        let directory = try TestDirectory()
        defer { directory.remove() }
        #expect(try IsotraceBinary.run("keygen", "--out", directory.path, "--offline-copy", directory.file("root.key")).status == 0)
        let files = KeyPairFiles(outputDirectory: directory.path)
        let derived = try Command.run([openssl, "pkey", "-in", directory.file("root.key"), "-pubout"])
        #expect(derived.status == 0, "\(derived)")
        #expect(derived.stdout == (try String(contentsOfFile: files.publicKeyPath, encoding: .utf8)))

        // A real record, keygen's key_rotation signed by the root key: openssl verifies its sig
        // over the canonical record without sig.
        let audit = try Command.run(try IsotraceBinary.auditRecordArguments(out: directory.path))
        #expect(audit.status == 1, "\(audit)")
        let line = try #require(try chainLines(directory.path).first)
        let record = try JSONParser().parse(line)
        let members = try #require(record.objectMembers)
        let message = try CanonicalJSON.bytes(.object(members.filter { $0.key != "sig" }))
        let sig = try #require(record["sig"]?.stringValue)
        let signature = try #require(Data(base64Encoded: sig))
        #expect(FileManager.default.createFile(atPath: directory.file("message"), contents: Data(message)))
        #expect(FileManager.default.createFile(atPath: directory.file("sig"), contents: signature))
        let verified = try Command.run([openssl, "pkeyutl", "-verify", "-pubin", "-inkey", files.publicKeyPath, "-rawin",
                                        "-in", directory.file("message"), "-sigfile", directory.file("sig")])
        #expect(verified.status == 0 && verified.stdout.contains("Signature Verified Successfully"), "\(verified)")

        // The README's openssl recipe across a rotation: the audit record (line 3) verifies with
        // the key the key_rotation before it (line 2) names, and not with the root key.
        let lines = try chainLines(directory.path)
        let rotation = try JSONParser().parse(lines[1])
        let epochPEM = try #require(rotation["key_rotation"]?["public_key"]?.stringValue)
        #expect(FileManager.default.createFile(atPath: directory.file("epoch-2.pub"), contents: Data(epochPEM.utf8)))
        let auditRecord = try JSONParser().parse(lines[2])
        #expect(auditRecord["type"] == .string("audit") && rotation["key_rotation"]?["epoch"] == .number(2))
        let auditMessage = try CanonicalJSON.bytes(.object(try #require(auditRecord.objectMembers).filter { $0.key != "sig" }))
        #expect(FileManager.default.createFile(atPath: directory.file("audit.message"), contents: Data(auditMessage)))
        #expect(FileManager.default.createFile(atPath: directory.file("audit.sig"),
                                               contents: try #require(Data(base64Encoded: try #require(auditRecord["sig"]?.stringValue)))))
        for (keyFile, expected) in [(directory.file("epoch-2.pub"), 0), (files.publicKeyPath, 1)] {
            let check = try Command.run([openssl, "pkeyutl", "-verify", "-pubin", "-inkey", keyFile, "-rawin",
                                         "-in", directory.file("audit.message"), "-sigfile", directory.file("audit.sig")])
            #expect(check.status == expected, "\(keyFile): \(check)")
        }

        // openssl's own Ed25519 key signs records isotrace verifies with openssl's public key.
        let generated = try Command.run([openssl, "genpkey", "-algorithm", "ed25519", "-out", directory.file("openssl.key")])
        #expect(generated.status == 0, "\(generated)")
        #expect(chmod(directory.file("openssl.key"), 0o600) == 0)
        #expect(try Command.run([openssl, "pkey", "-in", directory.file("openssl.key"), "-pubout", "-out", directory.file("openssl.pub")]).status == 0)
        let key = try RecordSigningKey.load(path: directory.file("openssl.key"))
        #expect(key.publicKey == (try RecordPublicKey.load(path: directory.file("openssl.pub"))))
    }
}
