import Jobs
import Yams

/// One entry of a policy file's `batch_systems` list: how a batch system names a job's cgroup.
/// Entries are whole: in a file that extends another, an entry with a base entry's `id` replaces
/// it, a new `id` is added after the base's, and `{id: X, enabled: false}` drops base entry X.
struct BatchSystemEntry {
    static let keys = ["id", "system", "layout", "pattern", "job_id_variable", "documented_in", "enabled"]
    static let requiredKeys = ["id", "system", "layout", "pattern"]

    var id: String
    /// Nil for an entry that only switches a base entry off.
    var pattern: BatchCgroupPattern?
    var enabled: Bool

    /// `base` with this file's entries applied in order.
    static func merge(_ entries: [BatchSystemEntry], over base: [BatchCgroupPattern]) -> [BatchCgroupPattern] {
        var result = base
        for entry in entries {
            let index = result.firstIndex { $0.id == entry.id }
            switch (entry.enabled, entry.pattern, index) {
            case (false, _, let index?): result.remove(at: index)
            case (true, let pattern?, let index?): result[index] = pattern
            case (true, let pattern?, nil): result.append(pattern)
            default: break
            }
        }
        return result
    }
}

extension PolicyYAMLReader {
    /// Reads the `batch_systems` list; every problem is reported at its line.
    mutating func batchSystems(_ node: Node) -> [BatchSystemEntry] {
        guard let list = sequence(node, "'batch_systems'") else { return [] }
        var entries: [BatchSystemEntry] = []
        var seen: [String: Int] = [:]
        for (index, element) in list.enumerated() {
            let owner = element.mapping?["id"]?.scalar.map { "batch system '\($0.string)'" } ?? "batch system #\(index + 1)"
            let switchedOff = element.mapping?["enabled"]?.bool == false
            guard let fields = fields(element, of: owner, allowed: BatchSystemEntry.keys,
                                      required: switchedOff ? ["id"] : BatchSystemEntry.requiredKeys),
                  let idNode = fields["id"], let id = string(idNode, "\(owner): 'id'", nonEmpty: true) else { continue }
            if let first = seen[id] {
                report("duplicate batch system id '\(id)' (first defined at line \(first))", at: idNode)
                continue
            }
            seen[id] = line(of: idNode)
            let enabled = fields["enabled"].flatMap { boolean($0, "\(owner): 'enabled'") } ?? true
            _ = fields["documented_in"].flatMap { string($0, "\(owner): 'documented_in'") }
            guard enabled else {
                entries.append(BatchSystemEntry(id: id, pattern: nil, enabled: false))
                continue
            }
            let system = fields["system"].flatMap { string($0, "\(owner): 'system'", nonEmpty: true) }
            var layout: BatchCgroupPattern.Layout?
            if let node = fields["layout"], let text = string(node, "\(owner): 'layout'") {
                layout = BatchCgroupPattern.Layout(rawValue: text)
                if layout == nil {
                    report("\(owner): 'layout' must be one of \(BatchCgroupPattern.Layout.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'", at: node)
                }
            }
            let pattern = fields["pattern"].flatMap { string($0, "\(owner): 'pattern'", nonEmpty: true) }
            let variable = fields["job_id_variable"].flatMap { string($0, "\(owner): 'job_id_variable'", nonEmpty: true) }
            guard let system, let layout, let pattern else { continue }
            do throws(BatchPatternError) {
                let compiled = try BatchCgroupPattern(id: id, system: system, layout: layout, pattern: pattern, jobIDVariable: variable)
                entries.append(BatchSystemEntry(id: id, pattern: compiled, enabled: true))
            } catch {
                report("\(owner): 'pattern' \(error.reason)", at: fields["pattern"])
            }
        }
        return entries
    }
}
