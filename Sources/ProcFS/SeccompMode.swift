/// A task's seccomp mode (`Seccomp:` in /proc/<pid>/status; seccomp(2)).
public enum SeccompMode: String, Sendable, Equatable, Codable {
    case disabled
    case strict
    case filter

    public init?(statusValue: UInt64) {
        switch statusValue {
        case 0: self = .disabled
        case 1: self = .strict
        case 2: self = .filter
        default: return nil
        }
    }
}
