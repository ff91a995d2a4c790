import ArgumentParser

/// `--proc-root DIR`: the /proc to read processes and the node's facts from (a fixture tree or a copy).
struct ProcRootOption: ParsableArguments {
    @Option(help: ArgumentHelp("Read processes and node facts from this directory instead of /proc (a fixture tree or a copy).", valueName: "dir"))
    var procRoot: String = "/proc"
}
