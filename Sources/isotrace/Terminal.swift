#if canImport(Glibc)
import Glibc
#endif
import Base

/// Colour only on a terminal, and never when NO_COLOR is set (no-color.org) or TERM is dumb.
enum Terminal {
    static var wantsColour: Bool {
        let term = getenv("TERM").map { String(cString: $0) } ?? "dumb"
        return Syscalls.isTerminal(1) && getenv("NO_COLOR") == nil && term != "dumb"
    }
}

/// ANSI colours, applied only when asked for.
struct Palette {
    let enabled: Bool

    func red(_ text: String) -> String { paint(text, "31") }
    func green(_ text: String) -> String { paint(text, "32") }
    func yellow(_ text: String) -> String { paint(text, "33") }
    func dim(_ text: String) -> String { paint(text, "2") }
    func bold(_ text: String) -> String { paint(text, "1") }

    private func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
