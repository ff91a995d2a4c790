import ArgumentParser
import ProcFS

/// `--sampler auto|bpf|procfs`: how processes are read (see `SamplerStartup`).
struct SamplerOption: ParsableArguments {
    @Option(help: SamplerStartup.help)
    var sampler: SamplerChoice = .auto
}
