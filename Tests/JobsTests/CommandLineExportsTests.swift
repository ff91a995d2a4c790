import Testing
@testable import Jobs

/// `export PandaID=<id>` found in command lines as bytes (ASCII) gives what the Character search
/// gave; the basename of argv[0] as before.
@Suite struct CommandLineExportsTests {
    /// The Character search all command lines took before the byte search.
    static func reference(_ argv: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for argument in argv {
            for name in CommandLineExports.names where found[name] == nil {
                guard let range = argument.firstRange(of: "export \(name)=") else { continue }
                let value = argument[range.upperBound...].drop(while: { $0 == "\"" || $0 == "'" }).prefix(while: \.isNumber)
                if !value.isEmpty { found[name] = String(value) }
            }
        }
        return found
    }

    @Test(arguments: [
        ["/bin/bash", "-c", "export PandaID=4267387837; export PanDA_TaskID='1234'; export PanDA_AttemptNr=\"2\"; athena.py"],
        ["sh", "-c", "export PandaID=; export PandaID=5"],
        ["sh", "-c", "export PandaID=x1; export PandaID=6"],
        ["export PandaID=7", "export PandaID=8"],
        ["sh", "-c", "exportPandaID=9 export  PandaID=10 export PandaID=\"'11'\""],
        ["sh", "-c", "export PandaID=١٢ é export PanDA_TaskID=3"],
        ["sh", "-c", "export PandaID=12\r\nexport PanDA_AttemptNr=4"],
        ["", "e", "export", "export ", "export PandaID", "export PandaID=", "xxexport PandaID=13"],
    ])
    func bytesAgreeWithCharacters(argv: [String]) {
        #expect(CommandLineExports.find(in: argv) == Self.reference(argv))
    }

    @Test func randomCommandLinesAgree() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["export ", "PandaID", "PanDA_TaskID", "PanDA_AttemptNr", "=", "\"", "'", "1", "42", " ", ";", "x", "é", "\r\n"]
        for _ in 0..<2000 {
            let argv = (0..<Int.random(in: 1...3, using: &generator)).map { _ in
                (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            }
            #expect(CommandLineExports.find(in: argv) == Self.reference(argv), "\(argv)")
        }
    }

    @Test(arguments: [
        ("/usr/bin/apptainer", "apptainer"), ("apptainer", "apptainer"), ("/a/b/", "b"), ("/", "/"), ("", ""),
        ("//x//", "x"), ("relative/starter", "starter"), ("/é/appinit", "appinit"), ("/opt/bin/", "bin"),
    ])
    func basenameAsSplit(path: String, expected: String) {
        #expect(ContainerInfo.basename(path) == expected)
        #expect(ContainerInfo.basename(path) == (path.split(separator: "/").last.map(String.init) ?? path))
    }

    /// The job directory found in the bytes of an ASCII path is the one the Character split finds
    /// (random paths of prefixes, digits, slashes and noise; innermost only and not).
    @Test func jobDirectoryBytesAgreeWithCharacters() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["/", "//", "PanDA_Pilot-", "PanDA_Pilot", "Pilot-", "4267387837", "0", "12", "x", ".", "-", " ", "é", "e\u{301}"]
        for prefix in ["PanDA_Pilot-", "", "P", "job_"] {
            let patterns = PilotPatterns(interpreters: [], scripts: [], wrappers: [], jobDirectoryPrefix: prefix)
            for _ in 0..<2000 {
                let path = (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
                for innermostOnly in [true, false] {
                    let bytes = patterns.jobDirectoryID(path, innermostOnly: innermostOnly)
                    let characters = patterns.jobDirectoryIDByCharacters(path, innermostOnly: innermostOnly)
                    #expect(bytes?.id == characters?.id && bytes?.directory == characters?.directory, "\(prefix) \(path.debugDescription)")
                }
            }
        }
    }
}
