import Agent
import Base
import Policy
import ProcFS
import RecordIndex
import Records

/// `isotrace audit --record`: appends one signed `audit` record to the chain in DIR/records (and
/// updates the index, `RecordAppender`) and says where on stderr (stdout stays the audit itself).
/// With epoch keys each run is a start: it moves to a new epoch key first (a `key_rotation`).
enum AuditRecording {
    static func append(_ result: AuditResult, outputDirectory: String, keyPath: String?) throws {
        do {
            let (signer, warning) = try ChainSignerChoice.resolve(outputDirectory: outputDirectory, keyPath: keyPath)
            if let warning { FileOutput.standardError.write("isotrace: warning: \(warning)\n") }
            let body = try RecordBody.audit(result)
            let appender = RecordAppender(outputDirectory: outputDirectory, signer: signer, node: RecordNode(result.snapshot.node))
            let outcome = try appender.append([body], rotate: true) { partial in
                FileOutput.standardError.write("isotrace: recovered a partial last line (\(partial.bytes) bytes, an interrupted write): moved to \(partial.file), recovery record seq \(partial.record.seq)\n")
            }
            for file in outcome.erasedKeyFiles {
                FileOutput.standardError.write("isotrace: erased \(file), left by an interrupted key rotation\n")
            }
            if let rotation = outcome.rotation {
                FileOutput.standardError.write("isotrace: new epoch key: key_rotation seq \(rotation.seq) in \(rotation.file)\n")
            }
            for record in outcome.appended {
                FileOutput.standardError.write("isotrace: recorded audit as seq \(record.seq) in \(record.file)\n")
            }
            if case .failure(let error) = outcome.index {
                FileOutput.standardError.write("isotrace: warning: index not updated (\(error)); `isotrace index --rebuild` restores it\n")
            }
        } catch {
            let hint = (error as? SystemCallError)?.errno == .noSpace ? " (nothing was appended; the chain is intact)" : ""
            FileOutput.standardError.write("isotrace: error: cannot record the audit: \(error)\(hint)\n")
            throw ExitCodeError.operational
        }
    }
}
