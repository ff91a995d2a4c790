import ArgumentParser

/// `--policy FILE`: the policy to audit with (see `PolicyLocation`).
struct PolicyOption: ParsableArguments {
    @Option(help: ArgumentHelp("Policy file (default: /etc/isotrace/policy.yaml, else the bundled wlcg-mupj.yaml).", valueName: "file"))
    var policy: String?
}
