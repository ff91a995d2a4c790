import Foundation
import ProcFS
import TestSupport
import Testing

extension Live {
    /// No secret from a process's environment or command line reaches isotrace's output.
    @Suite struct SecretLeakTests {
        static let secrets = [
            "hunter2-xyz-leak", "wJalrXUtnFEMI-K7MDENG-leak", "dockerpw-leak-123", "apptainerenv-leak",
            "tok-abc-leak", "tok2-leak", "pw-sep-leak", "/tmp/x509up-secret-env-leak",
        ]
        /// Known bug (reported, not ours to fix here): a flag and its value inside one shell-command
        /// argument are not redacted. Remove from this list once SecretRedactor handles it; the
        /// known-issue marker then fails to remind.
        static let environment = [
            "PANDAID": "4267387837", "PanDA_TaskID": "42",
            "MY_SECRET_TOKEN": "hunter2-xyz-leak", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI-K7MDENG-leak",
            "APPTAINER_DOCKER_PASSWORD": "dockerpw-leak-123", "APPTAINERENV_FOO": "apptainerenv-leak",
            "X509_USER_PROXY_BACKUP": "/tmp/x509up-secret-env-leak", "PATH": "/usr/bin:/bin",
        ]

        @Test("no secret in json or table output; PanDA ids are in the process's env",
              .enabled(if: Executables.isExecutable("/bin/bash"), "needs /bin/bash"))
        func noSecretsInOutput() throws {
            // sh keeps running with its argv (the secret after `:`), sleep is its child.
            let sh = try ChildProcess(["/usr/bin/env", "-i"] + Self.environment.map { "\($0.key)=\($0.value)" }.sorted()
                + ["/bin/sh", "-c", "sleep 300; : --token tok-abc-leak", "sh", "--password", "pw-sep-leak"])
            defer { sh.stop() }
            let bash = try ChildProcess(["/bin/bash", "-c", "export PANDA_AUTH_TOKEN=tok2-leak; sleep 300; :"],
                                        environment: Self.environment)
            defer { bash.stop() }
            var pids = [sh.pid, bash.pid]
            for parent in [sh, bash] {
                let sleep = parent.waitFor { ProcFacts.children(of: parent.pid).first { ProcFacts.comm($0) == "sleep" } }
                pids.append(try #require(sleep, "no sleep under \(parent.command): \(parent.stderrText)"))
            }
            let pidArguments = pids.flatMap { ["--pid", String($0)] }
            for arguments in [["--format", "json"], ["--format", "table"],
                              ["--format", "json"] + pidArguments, ["--format", "table"] + pidArguments] {
                let result = try IsotraceBinary.run(["snapshot"] + arguments)
                #expect(result.status == 0, "\(arguments): \(result.description)")
                for secret in Self.secrets {
                    let leaked = result.stdout.contains(secret) || result.stderr.contains(secret)
                    #expect(!leaked, "\(secret) leaked into the output of snapshot \(arguments)")
                }
                if arguments.contains("json") {
                    let processes = try IsotraceBinary.processes(try IsotraceBinary.json(result))
                    for pid in pids {
                        let process = try #require(processes[Int(pid)], "pid \(pid) missing from \(arguments)")
                        #expect(process["env"] as? [String: String] == ["PANDAID": "4267387837", "PanDA_TaskID": "42"],
                                "env of \(pid)")
                    }
                    let shArgv = try #require(processes[Int(sh.pid)]?["cmdline"] as? [String])
                    #expect(shArgv.first == "/bin/sh" && shArgv.contains(SecretRedactor.marker), "\(shArgv)")
                }
            }
        }
    }
}
