import ArgumentParser
import Foundation
import TestSupport
import Testing
@testable import isotrace

/// The README is the product's front door: every command has its section, and every example in it
/// still parses with the commands as they are now.
@Suite struct ReadmeTests {
    static let repository = Repository.rootURL

    static func readme() throws -> String {
        try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
    }

    /// The subcommands a user sees in `isotrace --help` (hidden ones, such as the daemon's
    /// confinement probe, are not documented there either).
    static var visibleSubcommands: [ParsableCommand.Type] {
        Isotrace.configuration.subcommands.filter { $0.configuration.shouldDisplay }
    }

    static func name(of command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command)
    }

    @Test("every README example of an isotrace command line parses with today's options")
    func examplesParse() throws {
        let examples = ReadmeExample.all(in: try Self.readme())
        #expect(examples.count >= 30, "found only \(examples.count) examples: is the extraction broken?")
        for example in examples {
            do {
                _ = try Isotrace.parseAsRoot(example.arguments)
            } catch {
                // --help and --version end parsing with a clean exit: still a valid command line.
                let code = Isotrace.exitCode(for: error)
                #expect(code == .success, "\(example) does not parse: \(Isotrace.message(for: error))")
            }
        }
    }

    @Test("every visible subcommand has a README section whose heading names it")
    func everySubcommandHasASection() throws {
        let headings = try Self.readme().split(separator: "\n")
            .filter { $0.hasPrefix("## ") || $0.hasPrefix("### ") }
            .map(String.init)
        for command in Self.visibleSubcommands {
            let name = Self.name(of: command)
            let named = headings.contains { $0.contains("`isotrace \(name)") || $0.contains("`\(name)`") || $0.contains("`\(name) ") }
            #expect(named, "no README heading names `isotrace \(name)` (headings: \(headings.count))")
        }
    }

    @Test("every visible subcommand, and each of its own subcommands, has at least one README example")
    func everySubcommandHasAnExample() throws {
        let examples = ReadmeExample.all(in: try Self.readme())
        for command in Self.visibleSubcommands {
            let name = Self.name(of: command)
            let nested = command.configuration.subcommands.filter { $0.configuration.shouldDisplay }
            if nested.isEmpty {
                #expect(examples.contains { $0.arguments.first == name }, "no README example runs `isotrace \(name)`")
            }
            for child in nested {
                let childName = Self.name(of: child)
                #expect(examples.contains { $0.arguments.starts(with: [name, childName]) },
                        "no README example runs `isotrace \(name) \(childName)`")
            }
        }
    }

    @Test("the example extraction splits like a shell and skips synopses")
    func extraction() {
        let example = ReadmeExample.parse(#"$ sudo isotrace query --pid $(pgrep -n sleep) --at "2h ago" > out.txt # note"#, line: 7)
        #expect(example?.arguments == ["query", "--pid", "1", "--at", "2h ago"])
        #expect(ReadmeExample.parse("isotrace daemon --verbose 2>/tmp/log &", line: 1)?.arguments == ["daemon", "--verbose"])
        #expect(ReadmeExample.parse("isotrace query --pid 2>/tmp/log", line: 1)?.arguments == ["query", "--pid"])
        #expect(ReadmeExample.parse("isotrace query --pid 2 >/tmp/log", line: 1)?.arguments == ["query", "--pid", "2"])
        #expect(ReadmeExample.parse("isotrace audit [--policy FILE] [--format table|json]", line: 1) == nil)
        #expect(ReadmeExample.parse("make audit   # builds", line: 1) == nil)
        let continued = ReadmeExample.all(in: "```\nisotrace db init --sink 'postgres://x?a=b' \\\n  --password-file F\n```\n")
        #expect(continued.map(\.arguments) == [["db", "init", "--sink", "postgres://x?a=b", "--password-file", "F"]])
        #expect(continued.first?.line == 2)
    }
}
