import Agent
import Base
import Policy
import ProcFS
import RecordIndex
import Records

/// `isotrace audit --record`: appends one signed `audit` record to the chain in DIR/records (and
/// updates the index, `RecordAppender`) and says where on stderr (stdout stays the audit itself).
enum AuditRecording {
    static func append(_ result: AuditResult, outputDirectory: String, keyPath: String?) throws {
        do {
            let key = try RecordSigningKey.load(path: keyPath ?? KeyPairFiles(outputDirectory: outputDirectory).privateKeyPath)
            let body = try RecordBody.audit(result)
            let appender = RecordAppender(outputDirectory: outputDirectory, key: key, node: RecordNode(result.snapshot.node))
            let outcome = try appender.append([body]) { partial in
                FileOutput.standardError.write("isotrace: recovered a partial last line (\(partial.bytes) bytes, an interrupted write): moved to \(partial.file), recovery record seq \(partial.record.seq)\n")
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
