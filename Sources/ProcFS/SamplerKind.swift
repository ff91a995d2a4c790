/// Which sampler produced a snapshot: the /proc reader, or the BPF task iterator (with /proc for
/// what BPF does not give). Snapshots, audits and records name it (`"sampler"`).
public enum SamplerKind: String, Sendable, Equatable, Codable, CaseIterable {
    case procfs
    case bpf
}
