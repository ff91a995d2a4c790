import ArgumentParser
import ProcFS

extension SamplerChoice: ExpressibleByArgument {}

/// `--sampler auto|bpf|procfs` for snapshot, audit, check and daemon: chooses once, says which on
/// stderr (`isotrace: sampler bpf`, or `isotrace: sampler procfs (why)`); `bpf` that cannot be
/// used is exit 2 with the reason.
enum SamplerStartup {
    static let help = ArgumentHelp(
        "auto (BPF task iterator when root on a kernel with BTF, else /proc), bpf or procfs.", valueName: "sampler")

    static func choose(_ choice: SamplerChoice, procRoot: String) throws -> Sampler {
        do {
            let sampler = try Sampler.choose(choice, procRoot: procRoot)
            FileOutput.standardError.write("isotrace: \(sampler.announcement)\n")
            return sampler
        } catch {
            FileOutput.standardError.write("isotrace: error: \(error)\n")
            throw ExitCodeError.operational
        }
    }
}
