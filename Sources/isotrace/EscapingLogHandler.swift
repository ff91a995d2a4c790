import Base
import Logging

/// The daemon's log handler: every message (and metadata value) goes through the one escaping
/// rule (`PrintableText.escape`) before the wrapped handler writes it, so a value from a process
/// or a file in a log message cannot start a forged log line or drive the reader's terminal.
struct EscapingLogHandler: LogHandler {
    var wrapped: any LogHandler

    init(wrapping handler: any LogHandler) { wrapped = handler }

    func log(event: LogEvent) {
        var escaped = event
        escaped.message = Logger.Message(stringLiteral: PrintableText.escape(event.message.description))
        escaped.metadata = event.metadata?.mapValues { .string(PrintableText.escape($0.description)) }
        wrapped.log(event: escaped)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue.map { .string(PrintableText.escape($0.description)) } }
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue.mapValues { .string(PrintableText.escape($0.description)) } }
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }
}
