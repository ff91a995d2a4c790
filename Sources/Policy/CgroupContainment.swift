import ProcFS

/// Where a job's processes must stay, hierarchy by hierarchy (TRACE-CGROUP).
///
/// On cgroup v2 there is one hierarchy (`0::`). On v1 and hybrid hosts each controller
/// hierarchy is separate, and a batch system may hold its jobs in some of them only (Slurm's
/// cgroup/v1 plugin: cpuset, freezer, memory, devices; never name=systemd). Every hierarchy in
/// which the pilot, or else its wrapper, sits below the root is one that holds the job; a payload
/// process must sit at or below that path in each.
struct CgroupContainment {
    /// One hierarchy that holds the job, and the path a payload must stay at or below.
    struct Reference: Equatable {
        var hierarchy: Int
        var controllers: [String]
        var path: String

        /// `cpuset` (v1, its controllers) or `unified` (v2).
        var hierarchyName: String {
            hierarchy == 0 && controllers.isEmpty ? "unified" : "\(hierarchy):\(controllers.joined(separator: ","))"
        }
        var line: String { "\(hierarchy):\(controllers.joined(separator: ",")):\(path)" }

        func sameHierarchy(_ entry: CgroupEntry) -> Bool { entry.hierarchy == hierarchy && entry.controllers == controllers }

        func contains(_ path: String) -> Bool { path == self.path || path.hasPrefix(self.path + "/") }
    }

    /// A payload process outside the job's cgroup in one hierarchy (`path` nil: its cgroup file
    /// does not list that hierarchy at all).
    struct Escape {
        var pid: Int32
        var reference: Reference
        var path: String?

        var description: String { "\(pid): \(reference.hierarchyName): \(path ?? "(not in that hierarchy)") not under \(reference.path)" }
    }

    /// The hierarchies that hold the job, in the order the pilot's cgroup file lists them.
    let references: [Reference]

    init(pilot: [CgroupEntry], wrapper: [CgroupEntry]?) {
        var references: [Reference] = []
        for entry in pilot {
            var path = entry.path
            if path == "/", let outer = wrapper?.first(where: { $0.hierarchy == entry.hierarchy && $0.controllers == entry.controllers }) {
                path = outer.path
            }
            guard path != "/", !path.isEmpty else { continue }
            references.append(Reference(hierarchy: entry.hierarchy, controllers: entry.controllers, path: path))
        }
        self.references = references
    }

    /// Every hierarchy in which the process with `entries` left the job's cgroup.
    func escapes(of pid: Int32, _ entries: [CgroupEntry]) -> [Escape] {
        references.compactMap { reference in
            let path = entries.first(where: reference.sameHierarchy)?.path
            if let path, reference.contains(path) { return nil }
            return Escape(pid: pid, reference: reference, path: path)
        }
    }
}
