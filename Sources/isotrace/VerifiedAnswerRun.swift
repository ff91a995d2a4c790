import ArgumentParser
import Base
import RecordIndex
import Records

/// `--public-key FILE` for the commands that verify what they answer (`query`, `export`).
struct AnswerKeyOption: ParsableArguments {
    @Option(name: .customLong("public-key"),
            help: ArgumentHelp("The public key to verify with (default: DIR/keys/isotrace.pub, which root on the node could replace).", valueName: "file"))
    var publicKey: String?

    func path(directory: String) -> String { publicKey ?? KeyPairFiles(outputDirectory: directory).publicKeyPath }
}

/// Runs `VerifiedQuery` for a command: loads the key (exit 2 naming --public-key and --no-verify
/// when it cannot), says on stderr which key was used, what the index needed and what failed.
enum VerifiedAnswerRun {
    static func run(_ query: RecordQuery, window: TimeWindow, directory: String, key: AnswerKeyOption) throws -> VerifiedAnswer {
        let keyPath = key.path(directory: directory)
        let publicKey: RecordPublicKey
        do {
            publicKey = try RecordPublicKey.load(path: keyPath)
        } catch {
            FileOutput.standardError.write("isotrace: error: cannot verify the answer: \(error) (give --public-key FILE, "
                + "the key registered off the node, or --no-verify to answer unchecked)\n")
            throw ExitCodeError.operational
        }
        if key.publicKey == nil {
            FileOutput.standardError.write("isotrace: note: verifying with \(keyPath), kept in the directory it checks; "
                + "--public-key FILE uses a copy kept off the node\n")
        }
        let verified: VerifiedAnswer
        do {
            verified = try VerifiedQuery(directory: directory, publicKey: publicKey, publicKeyPath: keyPath).run(query, window: window)
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
        for problem in verified.indexProblems { FileOutput.standardError.write("isotrace: warning: \(problem)\n") }
        for notice in verified.notices { FileOutput.standardError.write("isotrace: \(PrintableText.escape(notice))\n") }
        for problem in verified.chain.problems { FileOutput.standardError.write("isotrace: verify: \(PrintableText.escape(problem))\n") }
        return verified
    }
}
