/// Durations as people write them on a command line: `500ms`, `30s`, `5m`, `1h`, `180d`, `4w`, or a
/// plain number of seconds; kept as milliseconds.
public struct DurationText: Sendable, Equatable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// nil for anything else (negative, empty, unknown unit, overflow).
    public init?(_ text: String) {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let value = Int64(digits) else { return nil }
        let unit = text.dropFirst(digits.count)
        let scale: Int64
        switch unit {
        case "ms": scale = 1
        case "", "s": scale = 1000
        case "m": scale = 60_000
        case "h": scale = 3_600_000
        case "d": scale = 86_400_000
        case "w": scale = 604_800_000
        default: return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        milliseconds = product
    }

    public var seconds: Double { Double(milliseconds) / 1000 }

    public var description: String {
        for (unit, scale) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds >= scale && milliseconds % scale == 0 {
            return "\(milliseconds / scale)\(unit)"
        }
        return "\(milliseconds)ms"
    }
}
