import Foundation
import Records
import TestSupport
import Testing

/// One state directory for every command that reads or writes records: without --out they use
/// `state_directory` from the config file ($ISOTRACE_CONFIG here, /etc/isotrace/isotrace.conf on
/// a node), else /var/lib/isotrace; a malformed config line and a missing directory are errors
/// that say what to do.
@Suite struct StateDirectoryConfigTests {
    /// isotrace with $ISOTRACE_CONFIG pointing at `config` (the rest of our environment kept).
    static func run(_ arguments: [String], config: String) throws -> CommandResult {
        try IsotraceBinary.run(arguments, environment: ProcessInfo.processInfo.environment.merging(["ISOTRACE_CONFIG": config]) { $1 })
    }

    static func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test("without --out, keygen, audit --record, verify, index, query and prune use state_directory from the config file")
    func configuredDirectory() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let state = directory.file("state")
        let config = try directory.write("# the daemon's state\n\n   # indented comment\nstate_directory = \(state)\n", "isotrace.conf")

        let keygen = try Self.run(["keygen"], config: config)
        #expect(keygen.status == 0, "\(keygen)")
        #expect(keygen.stdout.contains("public key  \(state)/keys/isotrace.pub"), "\(keygen)")
        #expect(keygen.stdout.contains("epoch 1 key \(state)/keys/epoch-1.key"), "\(keygen)")
        #expect(try Self.mode(state) == 0o750 && Self.mode(state + "/keys") == 0o700, "the state directory 0750, keys/ 0700")
        let audit = try Self.run(["audit", "--record", "--proc-root", Repository.pilot3ProcRoot, "--format", "json"], config: config)
        #expect(audit.status == 1, "\(audit)")
        // seq 1: keygen's key_rotation to epoch 1; seq 2: this run's own new epoch key.
        #expect(audit.stderr.contains("recorded audit as seq 3 in \(state)/records/"), "\(audit.stderr)")
        #expect(try Self.mode(state + "/records") == 0o750, "a writing command makes records/ with mode 0750")
        let verify = try Self.run(["verify"], config: config)
        #expect(verify.status == 0 && verify.stdout.contains("intact: 3 record(s)"), "\(verify)")
        let index = try Self.run(["index"], config: config)
        #expect(index.status == 0 && index.stdout.contains("\(state)/index.sqlite"), "\(index)")
        let query = try Self.run(["query", "--panda-id", "6402753124", "--format", "json"], config: config)
        #expect(query.status == 0 && query.stdout.contains("6402753124"), "\(query)")
        let prune = try Self.run(["prune", "--older-than", "180d", "--dry-run"], config: config)
        #expect(prune.status == 0, "\(prune)")

        // --out still wins over the config file.
        let elsewhere = try Self.run(["verify", "--out", directory.file("elsewhere")], config: config)
        #expect(elsewhere.status == 2 && !elsewhere.stderr.contains("state_directory"), "\(elsewhere)")
    }

    @Test("a malformed config line: exit 2 naming the file and line, nothing done",
          arguments: [
            ("state_directory = /var/lib/isotrace\nstate-directory /tmp/x\n", 2, "expected `name = value`"),
            ("# site\nstatedir = /tmp/x\n", 2, "unknown setting 'statedir'"),
            ("state_directory = relative/dir\n", 1, "state_directory must be an absolute path, found 'relative/dir'"),
            ("state_directory =\n", 1, "state_directory must be an absolute path, found ''"),
            ("state_directory = /a\n\nstate_directory = /b\n", 3, "state_directory is set again (first on line 1)"),
          ])
    func malformedConfig(text: String, line: Int, reason: String) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let config = try directory.write(text, "isotrace.conf")
        // The audit as QuickArguments reads it and (html) as swift-argument-parser does.
        for arguments in [["verify"], ["keygen"], ["query", "--panda-id", "1"],
                          ["audit", "--format", "json", "--proc-root", Repository.pilot3ProcRoot],
                          ["audit", "--format", "html", "--output", "-", "--proc-root", Repository.pilot3ProcRoot]] {
            let result = try Self.run(arguments, config: config)
            #expect(result.status == 2, "\(arguments): \(result)")
            #expect(result.stderr.contains("isotrace: error: \(config):\(line): \(reason)"), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["isotrace.conf"], "keygen wrote nothing")
    }

    @Test("$ISOTRACE_CONFIG naming a missing file is an error naming it, exit 2")
    func missingConfig() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let result = try Self.run(["verify"], config: directory.file("absent.conf"))
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("\(directory.file("absent.conf")): no such file (named by $ISOTRACE_CONFIG)"), "\(result.stderr)")
    }

    @Test("a missing state directory: reading commands exit 2 naming the directory and --out")
    func missingStateDirectory() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let state = directory.file("absent")
        let config = try directory.write("state_directory = \(state)\n", "isotrace.conf")
        for arguments in [["query", "--panda-id", "1"], ["verify"], ["index"], ["prune", "--older-than", "180d"]] {
            let result = try Self.run(arguments, config: config)
            #expect(result.status == 2, "\(arguments): \(result)")
            #expect(result.stderr == "isotrace: error: no records at \(state)/records (the daemon's state directory, set in \(config) line 1); use --out DIR\n",
                    "\(arguments): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: state), "\(arguments) created \(state)")
        }
    }

    @Test("verify names the public key --public-key; the old --key still works, hidden from --help")
    func publicKeyOption() throws {
        let chain = try TestDirectory(), keys = try TestDirectory()
        defer { chain.remove(); keys.remove() }
        // --key signs with one given key: here the root key's offline copy.
        #expect(try IsotraceBinary.run("keygen", "--out", keys.path, "--offline-copy", keys.file("root.key")).status == 0)
        let files = KeyPairFiles(outputDirectory: keys.path)
        #expect(try Command.run(try IsotraceBinary.auditRecordArguments(out: chain.path, key: keys.file("root.key"))).status == 1)
        let named = try IsotraceBinary.run("verify", "--out", chain.path, "--public-key", files.publicKeyPath)
        #expect(named.status == 0 && named.stdout.contains("intact: 1 record(s)"), "\(named)")
        let old = try IsotraceBinary.run("verify", "--out", chain.path, "--key", files.publicKeyPath)
        #expect(old.status == 0 && old.stdout == named.stdout, "\(old)")
        let both = try IsotraceBinary.run("verify", "--out", chain.path, "--key", files.publicKeyPath, "--public-key", files.publicKeyPath)
        #expect(both.status == 2 && both.stderr.contains("--key is the old name of --public-key"), "\(both)")
        let help = try IsotraceBinary.run("verify", "--help")
        #expect(help.stdout.contains("--public-key <file>") && !help.stdout.contains("--key"), "\(help.stdout)")
    }
}
