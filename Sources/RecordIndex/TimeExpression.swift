import Base

/// Parses the times a responder types: RFC 3339 (`2026-11-26T03:12:00Z`, with or without
/// fractional seconds, `Z` or a `+02:00` offset; a bare `2026-11-26` means its midnight UTC),
/// `now`, and relative forms (`2h ago`, `30m ago`, `1d ago`, `90 seconds ago`, `2 weeks ago`).
/// Pure: "now" is passed in, so tests and queries agree on one clock reading.
public enum TimeExpression {
    public static func parse(_ text: String, now: UTCTime) throws(TimeExpressionError) -> UTCTime {
        let trimmed = text.trimmingWhitespace()
        if trimmed.lowercased() == "now" { return now }
        if trimmed.lowercased().hasSuffix("ago") { return try relative(trimmed, now: now) }
        if let time = rfc3339(trimmed) { return time }
        throw TimeExpressionError(text: text)
    }

    /// An RFC 3339 timestamp, or nil when `text` is not one (records carry these, so this is
    /// also how record times are read).
    public static func rfc3339(_ text: String) -> UTCTime? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.take("-"),
              let month = scanner.number(digits: 2), scanner.take("-"),
              let day = scanner.number(digits: 2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        if scanner.atEnd { return UTCTime(millisecondsSinceEpoch: days * 86_400_000) }
        guard scanner.take("T") || scanner.take("t") || scanner.take(" "),
              let hour = scanner.number(digits: 2), scanner.take(":"),
              let minute = scanner.number(digits: 2), scanner.take(":"),
              let second = scanner.number(digits: 2),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        var milliseconds: Int64 = 0
        if scanner.take(".") {
            guard let (value, count) = scanner.fraction(), count > 0 else { return nil }
            milliseconds = value
        }
        var offsetMinutes: Int64 = 0
        if scanner.take("Z") || scanner.take("z") {
            offsetMinutes = 0
        } else if let sign = scanner.sign() {
            guard let offsetHours = scanner.number(digits: 2), scanner.take(":"),
                  let offsetMinute = scanner.number(digits: 2), offsetHours < 24, offsetMinute < 60
            else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMinute)
        } else {
            return nil
        }
        guard scanner.atEnd else { return nil }
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetMinutes * 60
        return UTCTime(millisecondsSinceEpoch: seconds * 1_000 + milliseconds)
    }

    /// `<N><unit> ago` or `<N> <unit> ago`.
    static func relative(_ text: String, now: UTCTime) throws(TimeExpressionError) -> UTCTime {
        let body = text.dropLast(3).trimmingWhitespace()
        let digits = body.prefix(while: { $0.isASCII && $0.isNumber })
        let unit = body.dropFirst(digits.count).trimmingWhitespace().lowercased()
        guard let count = Int64(digits), let seconds = unitSeconds[unit],
              count <= Int64.max / 1_000 / seconds
        else { throw TimeExpressionError(text: text) }
        return UTCTime(millisecondsSinceEpoch: now.millisecondsSinceEpoch - count * seconds * 1_000)
    }

    static let unitSeconds: [String: Int64] = {
        var table: [String: Int64] = [:]
        for (names, seconds) in [
            (["s", "sec", "secs", "second", "seconds"], Int64(1)),
            (["m", "min", "mins", "minute", "minutes"], 60),
            (["h", "hr", "hrs", "hour", "hours"], 3_600),
            (["d", "day", "days"], 86_400),
            (["w", "week", "weeks"], 604_800),
        ] {
            for name in names { table[name] = seconds }
        }
        return table
    }()

    static func isLeap(_ year: Int64) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// A time the user gave that is neither RFC 3339 nor a relative form.
public struct TimeExpressionError: Error, CustomStringConvertible, Equatable {
    public var text: String
    public var description: String {
        "invalid time '\(text)': use RFC 3339 (2026-11-26T03:12:00Z, 2026-11-26T04:12:00.5+01:00), 'now' or '<N>{s,m,h,d,w} ago'"
    }
}

/// Reads fixed-width ASCII digits and separators from UTF-8 bytes.
struct DigitScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { index == bytes.count }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
        index += 1
        return true
    }

    mutating func number(digits: Int) -> Int64? {
        guard index + digits <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[index..<index + digits] {
            guard (48...57).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        index += digits
        return value
    }

    /// Fractional-second digits as milliseconds (truncated past three) and how many digits there were.
    mutating func fraction() -> (Int64, Int)? {
        var milliseconds: Int64 = 0
        var count = 0
        while index < bytes.count, (48...57).contains(bytes[index]) {
            if count < 3 { milliseconds = milliseconds * 10 + Int64(bytes[index] - 48) }
            count += 1
            index += 1
        }
        if count < 3 { for _ in count..<3 { milliseconds *= 10 } }
        return (milliseconds, count)
    }

    mutating func sign() -> Int64? {
        if take("+") { return 1 }
        if take("-") { return -1 }
        return nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
