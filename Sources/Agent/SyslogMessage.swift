import Base
import ProcFS
import Records

/// One RFC 5424 syslog message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID - MSG`, with
/// facility authpriv (10), app name `isotrace`, no structured data, and a one-line JSON body.
public struct SyslogMessage: Sendable, Equatable {
    /// RFC 5424 severities.
    public enum Level: Int, Sendable {
        case emergency = 0, alert, critical, error, warning, notice, informational, debug
    }

    public static let facilityAuthpriv = 10
    public static let appName = "isotrace"

    public var level: Level
    public var time: UTCTime
    public var hostname: String?
    public var procID: Int32
    /// `job_start`, `job_end`, `finding`.
    public var msgID: String
    public var body: JSONValue

    public init(level: Level, time: UTCTime, hostname: String?, procID: Int32, msgID: String, body: JSONValue) {
        self.level = level
        self.time = time
        self.hostname = hostname
        self.procID = procID
        self.msgID = msgID
        self.body = body
    }

    public var priority: Int { Self.facilityAuthpriv * 8 + level.rawValue }

    /// The datagram. Header fields are PRINTUSASCII without spaces (RFC 5424 section 6), so a
    /// hostname with anything else is replaced by `-`; the body is canonical JSON, one line
    /// (control characters are escaped by JSON), without a BOM.
    public func formatted() -> String {
        let header = "<\(priority)>1 \(time.description) \(Self.field(hostname, max: 255)) \(Self.appName) \(procID) \(Self.field(msgID, max: 32)) -"
        let json = (try? CanonicalJSON.string(body)) ?? "{}"
        return header + " " + json
    }

    static func field(_ value: String?, max: Int) -> String {
        guard let value, !value.isEmpty, value.utf8.count <= max, value.utf8.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { return "-" }
        return value
    }

    /// The level a failing finding is sent at: critical -> crit, high -> err, medium -> warning,
    /// low -> notice, info -> info.
    public static func level(forSeverity severity: String) -> Level {
        switch severity {
        case "critical": return .critical
        case "high": return .error
        case "medium": return .warning
        case "low": return .notice
        default: return .informational
        }
    }
}
