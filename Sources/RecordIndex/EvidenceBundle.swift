import Base
import Records

/// `isotrace export`: what a CSIRT needs to check an answer without isotrace, in one directory.
///
/// - `records/*.jsonl`: every segment of the chain, byte for byte (a chain is checked from its
///   start or its checkpoint, so the cited records come with all their predecessors), and
///   `records/key_rotations.jsonl` when prune kept one (the keys up to the first kept record);
/// - `cited.jsonl`: the cited lines in seq order, `cited.txt`: their seq, `file:line` and SHA-256;
/// - `isotrace.pub`: the public key the answer was verified with;
/// - the answers as given (`answer.txt`, `answer.json`, the HTML incident report for a job);
/// - `verify_records.py`: the standalone verifier, and `README.txt` naming the commands;
/// - `SHA256SUMS` over all of it, for `sha256sum -c`.
public enum EvidenceBundle {
    /// Writes the bundle into `bundle` (created, must not exist yet), from the state directory
    /// `directory`; `documents` are the answers (name -> content).
    public static func write(to bundle: String, from directory: String, verified: VerifiedAnswer,
                             documents: [(name: String, content: [UInt8])], verifierScript: String) throws(IndexError) {
        var written: [(name: String, content: [UInt8])] = []
        func put(_ name: String, _ content: [UInt8]) throws(IndexError) {
            let path = bundle + "/" + name
            let parent = String(path[..<path.lastIndex(of: "/")!])
            do {
                try Syscalls.makeDirectories(parent, mode: 0o750)
                try Syscalls.replaceDurably(path, with: content, directory: parent, mode: 0o640)
            } catch {
                throw .unreadable(path: path, reason: "cannot write: \(error)")
            }
            written.append((name, content))
        }
        do {
            let parent = bundle.lastIndex(of: "/").map { String(bundle[..<$0]) } ?? "."
            try Syscalls.makeDirectories(parent.isEmpty ? "/" : parent, mode: 0o750)
            guard try Syscalls.makeDirectory(bundle, mode: 0o750) else {
                throw IndexError.unreadable(path: bundle, reason: "already exists: an evidence bundle goes into a new directory")
            }
        } catch let error as IndexError {
            throw error
        } catch {
            throw .unreadable(path: bundle, reason: "cannot create: \(error)")
        }
        for segment in try SegmentReader.segments(directory: directory) {
            let bytes: [UInt8]
            do {
                bytes = try Syscalls.readRange(segment.path, from: 0, followingLinks: false)
            } catch {
                throw .unreadable(path: segment.path, reason: "\(error)")
            }
            try put(segment.file, bytes)
        }
        let rotationLog = RotationLog(directory: SegmentDirectory(outputDirectory: directory)).path
        if Syscalls.exists(rotationLog) {
            let bytes: [UInt8]
            do {
                bytes = try Syscalls.readRange(rotationLog, from: 0, followingLinks: false)
            } catch {
                throw .unreadable(path: rotationLog, reason: "\(error)")
            }
            try put("records/" + RotationLog.name, bytes)
        }
        let key: [UInt8]
        do {
            key = try Syscalls.readRange(verified.publicKeyPath, from: 0)
        } catch {
            throw .unreadable(path: verified.publicKeyPath, reason: "\(error)")
        }
        try put("isotrace.pub", key)
        let cited = verified.result.records
        try put("cited.jsonl", cited.flatMap { (verified.citedLines[$0.seq] ?? []) + [0x0A] })
        try put("cited.txt", Array(cited.map { "\($0.seq) \($0.file):\($0.line) \($0.sha256)\n" }.joined().utf8))
        for document in documents { try put(document.name, document.content) }
        try put("verify_records.py", Array(verifierScript.utf8))
        try put("README.txt", Array(readme(verified).utf8))
        let sums = written.map { "\(Record.hash(ofLine: $0.content))  \($0.name)\n" }.joined()
        try put("SHA256SUMS", Array(sums.utf8))
    }

    static func readme(_ verified: VerifiedAnswer) -> String {
        let status = verified.isVerified ? "verified" : "NOT verified: see answer.txt and the checks below"
        return """
            isotrace evidence bundle: \(verified.result.subject)
            key_id \(verified.publicKeyID); \(verified.result.records.count) cited record(s); answer \(status).

            Check it without isotrace (Python 3 with the cryptography and rfc8785 packages):

              sha256sum -c SHA256SUMS                                  # the bundle is as written
              python3 -m venv /tmp/verify && /tmp/verify/bin/pip install -q cryptography rfc8785
              /tmp/verify/bin/python3 verify_records.py records isotrace.pub   # every signature, the hash chain, seq order: exit 0 when intact
              while IFS= read -r line; do grep -qxF -- "$line" records/*.jsonl || echo "NOT IN THE CHAIN: $line"; done < cited.jsonl

            cited.txt lists each cited record (seq, FILE:L, SHA-256 of the line); each line of
            cited.jsonl is that line, and `sed -n 'Lp' FILE | tr -d '\\n' | sha256sum` gives its
            hash. answer.txt and answer.json are the answer as isotrace gave it; every fact in them
            cites these lines. Compare isotrace.pub with the key the site registered for the node: the
            checks prove the records were signed by the holder of that key, nothing more.

            """
    }
}
