import Base
import Policy
import ProcFS
import RecordIndex
import Records

/// `isotrace audit --record`: appends one signed `audit` record to the chain in DIR/records and
/// says where on stderr (stdout stays the audit itself).
enum AuditRecording {
    static func append(_ result: AuditResult, outputDirectory: String, keyPath: String?) throws {
        do {
            let key = try RecordSigningKey.load(path: keyPath ?? KeyPairFiles(outputDirectory: outputDirectory).privateKeyPath)
            let body = try RecordBody.audit(result)
            let writer = try ChainWriter.open(outputDirectory: outputDirectory, key: key, node: RecordNode(result.snapshot.node))
            defer { writer.close() }
            for partial in writer.recovered {
                FileOutput.standardError.write("isotrace: recovered a partial last line (\(partial.bytes) bytes, an interrupted write): moved to \(partial.file), recovery record seq \(partial.record.seq)\n")
            }
            let record = try writer.append(body)
            FileOutput.standardError.write("isotrace: recorded audit as seq \(record.seq) in \(record.file)\n")
            // The index follows the segments; it can always be rebuilt from them, so a failure
            // here costs a warning, never the record.
            do {
                _ = try RecordIndex.update(directory: outputDirectory)
            } catch {
                FileOutput.standardError.write("isotrace: warning: index not updated (\(error)); `isotrace index --rebuild` restores it\n")
            }
        } catch {
            let hint = (error as? SystemCallError)?.errno == .noSpace ? " (nothing was appended; the chain is intact)" : ""
            FileOutput.standardError.write("isotrace: error: cannot record the audit: \(error)\(hint)\n")
            throw ExitCodeError.operational
        }
    }
}
