import ArgumentParser

/// `--policy FILE`: the policy to audit with (see `PolicyLocation`); the shells complete YAML files.
struct PolicyOption: ParsableArguments {
    @Option(help: ArgumentHelp("Policy file (default: /etc/isotrace/policy.yaml, else the bundled wlcg-mupj.yaml).", valueName: "file"),
            completion: .policyFile)
    var policy: String?
}
