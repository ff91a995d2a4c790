import Testing
@testable import ProcFS

@Suite struct SecretRedactorTests {
    static let r = SecretRedactor.marker

    /// A flag after a tab inside a shell command, which the first test used to let through.
    @Test func flagAfterTabInAShellCommand() {
        #expect(SecretRedactor.redact(["sh", "-c", "run\t--token hunter2"]) == ["sh", "-c", "run\t--token \(Self.r)"])
        #expect(SecretRedactor.redact(["sh", "-c", "run\t--token\thunter2 ünïcode"]) == ["sh", "-c", "run\t--token\t\(Self.r) ünïcode"])
    }

    @Test(arguments: [
        // A flag naming a secret hides the next argument.
        (["submit", "--token", "X"], ["submit", "--token", r]),
        (["curl", "--access-token", "abc", "-v"], ["curl", "--access-token", r, "-v"]),
        (["mysql", "--password", "hunter2"], ["mysql", "--password", r]),
        // --name=value and NAME=value.
        (["--password=hunter2"], ["--password=\(r)"]),
        (["env", "PANDA_AUTH_TOKEN=x", "run"], ["env", "PANDA_AUTH_TOKEN=\(r)", "run"]),
        // Inside a `bash -c` string.
        (["/bin/bash", "-c", "export PANDA_AUTH_TOKEN=x; run"], ["/bin/bash", "-c", "export PANDA_AUTH_TOKEN=\(r); run"]),
        (["/bin/bash", "-c", "export PANDA_AUTH_TOKEN=\"a b\" && run"], ["/bin/bash", "-c", "export PANDA_AUTH_TOKEN=\(r) && run"]),
        (["/bin/bash", "-c", "./run --token tok-E -q LOCAL_TEST"], ["/bin/bash", "-c", "./run --token \(r) -q LOCAL_TEST"]),
        (["sh", "-c", "run --password 'a b' && next"], ["sh", "-c", "run --password \(r) && next"]),
        // URL passwords keep the user and host.
        (["git", "clone", "https://user:pw@host/repo.git"], ["git", "clone", "https://user:\(r)@host/repo.git"]),
        (["--url", "https://alice:p@ss@panda.example.org:25443/server"], ["--url", "https://alice:\(r)@panda.example.org:25443/server"]),
        // Bearer tokens, e.g. curl -H.
        (["curl", "-H", "Authorization: Bearer abc.def-123"], ["curl", "-H", "Authorization: Bearer \(r)"]),
        // JWTs wherever they stand.
        (["jwt:eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
         ["jwt:\(r)"]),
        (["?q=1&id_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"], ["?q=1&id_token=\(r)"]),
    ])
    func redactsSecrets(argv: [String], expected: [String]) {
        #expect(SecretRedactor.redact(argv) == expected)
    }

    @Test func keepsTheClosingQuoteOfAQuotedHeader() {
        let argv = ["sh", "-c", "curl -H \"Authorization: Bearer abc\" https://x"]
        #expect(SecretRedactor.redact(argv) == ["sh", "-c", "curl -H \"Authorization: Bearer \(Self.r)\" https://x"])
    }

    /// Environments handed over as a JSON argument (seen on this machine's sandbox supervisor).
    @Test func redactsSecretValuesInJSONArguments() {
        let json = "{\"HOME\": \"/root\", \"AWS_SECRET_ACCESS_KEY\": \"wJal\\\"rX\", \"LANG\": \"C\"}"
        let expected = "{\"HOME\": \"/root\", \"AWS_SECRET_ACCESS_KEY\": \"\(Self.r)\", \"LANG\": \"C\"}"
        #expect(SecretRedactor.redact(["tool", "--env", json]) == ["tool", "--env", expected])
    }

    /// Ordinary arguments of a pilot and its helpers must come through unchanged.
    @Test(arguments: [
        ["/usr/bin/python3", "/home/isopilot/pilot3/pilot.py", "-q", "LOCAL_TEST", "--pilot-user", "generic", "-w", "generic",
         "-j", "ptest", "-a", "/home/isopilot/work", "-z", "-t", "-u", "-b", "-y", "-k", "-d", "-g", "http://127.0.0.1:45029",
         "--url", "http://127.0.0.1", "-p", "45029", "--queuedata-url", "/home/isopilot/work/queuedata.json",
         "--use-https", "false", "--use-rucio-traces", "false", "--cleanup", "false"],
        ["/bin/bash", "-c", "ps axo pgid,psr | sort | grep 25625 | uniq | awk '{print $1}' | grep -x 25625 | wc -l"],
        ["/bin/bash", "-c", "sleep 600; echo child-done"],
        ["/bin/bash", "./runtest.sh", "--iso-test", "1"],
        ["env", "X509_USER_PROXY=/tmp/x509up_u2001", "PANDAID=6402753124", "voms-proxy-info", "--all"],
        ["df", "-mP", "/home/isopilot/work/PanDA_Pilot3_25588_1795671853"],
        ["ssh", "user@host", "ls"],
        ["eyJ-but-not-a-jwt"],
        [],
    ])
    func leavesOrdinaryArgumentsAlone(argv: [String]) {
        #expect(SecretRedactor.redact(argv) == argv)
    }
}
