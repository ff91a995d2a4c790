import Foundation
import Records

/// What root holding the node's private key can do to a chain on disk: edit a record, sign it
/// again, and re-link and re-sign every record after it, so that every signature and every `prev`
/// is good again. Only a copy of a head kept off the node (syslog, the central store) then tells.
public enum ChainRewriter {
    /// `line` with its members (`sig` left out) changed by `edit`, signed again with `key`; nothing
    /// else changes (the next line's `prev` then no longer matches: see `rewrite`).
    public static func resign(_ line: String, key: RecordSigningKey, _ edit: ([JSONMember]) -> [JSONMember]) throws -> String {
        let members = edit((try JSONParser().parse(Array(line.utf8)).objectMembers ?? []).filter { $0.key != "sig" })
        let signature = try key.signature(for: try CanonicalJSON.bytes(.object(members)))
        return try CanonicalJSON.string(.object(members + [JSONMember("sig", .string(Data(signature).base64EncodedString()))]))
    }

    /// `lines` (complete record lines, in chain order) with line `index` changed by `edit` and
    /// every line from there on signed again with `key`, each `prev` (and `chain_head`, which must
    /// agree with it) following the new lines.
    public static func rewrite(_ lines: [String], at index: Int, key: RecordSigningKey,
                               _ edit: ([JSONMember]) -> [JSONMember]) throws -> [String] {
        var result = lines
        var previous: String? = index > 0 ? Record.hash(ofLine: Array(lines[index - 1].utf8)) : nil
        for position in index..<lines.count {
            result[position] = try resign(lines[position], key: key) { original in
                let members = position == index ? edit(original) : original
                guard let previous else { return members }
                let seq = members.first { $0.key == "seq" }?.value.integerValue ?? 0
                return members.map { member in
                    switch member.key {
                    case "prev": return JSONMember("prev", .string(previous))
                    case ChainHead.bodyKey: return JSONMember(ChainHead.bodyKey, ChainHead(before: seq, prev: previous).json)
                    default: return member
                    }
                }
            }
            previous = Record.hash(ofLine: Array(result[position].utf8))
        }
        return result
    }

    /// The private key the node signs with now, all that root finds in `outputDirectory`/keys: the
    /// one long-lived key (keys/isotrace.key) of a node set up before epoch keys, else the current
    /// epoch's key (the only keys/epoch-<n>.key).
    public static func nodeKey(_ outputDirectory: String) throws -> RecordSigningKey {
        let files = KeyPairFiles(outputDirectory: outputDirectory)
        if FileManager.default.fileExists(atPath: files.privateKeyPath) { return try RecordSigningKey.load(path: files.privateKeyPath) }
        let epochKeys = try FileManager.default.contentsOfDirectory(atPath: files.directory).filter { $0.hasPrefix("epoch-") && $0.hasSuffix(".key") }
        guard epochKeys.count == 1 else { throw KeyError(path: files.directory, reason: "not exactly one epoch key: \(epochKeys)") }
        return try RecordSigningKey.load(path: files.directory + "/" + epochKeys[0])
    }
}
