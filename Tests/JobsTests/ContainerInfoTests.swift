import Jobs
import Testing

struct ContainerInfoTests {
    @Test(arguments: [
        (["Apptainer runtime parent: /cvmfs/unpacked/img"], "apptainer", "/cvmfs/unpacked/img"),
        (["Singularity runtime parent"], "singularity", nil),
        (["/usr/libexec/apptainer/bin/starter-suid"], "apptainer", nil),
        (["appinit"], "apptainer", nil),
        (["sinit"], "singularity", nil),
        (["action-suid", "/alrb/.bashrc"], "singularity", nil),
        (["shim-init", "/alrb/.bashrc"], "singularity", nil),
        (["/usr/bin/apptainer", "exec", "-B", "/cvmfs", "--pwd", "/srv", "/images/el9.sif", "bash"], "apptainer", "/images/el9.sif"),
        (["singularity", "exec", "-C", "-i", "docker://centos:7", "cmd"], "singularity", "docker://centos:7"),
        (["podman", "run", "--rm", "-v", "/a:/b", "registry/img:1", "sh"], "podman", "registry/img:1"),
        (["conmon", "--api-version", "1"], "conmon", nil),
        (["bwrap", "--unshare-pid", "--", "sh"], "bubblewrap", nil),
    ] as [([String], String, String?)])
    func recognisesRuntimes(argv: [String], runtime: String, image: String?) throws {
        let info = try #require(ContainerInfo.recognise(argv: argv, comm: ""))
        #expect(info.runtime == runtime)
        #expect(info.image == image)
    }

    @Test func ordinaryProcessesAreNoRuntime() {
        #expect(ContainerInfo.recognise(argv: ["bash", "-c", "apptainer is a word here"], comm: "bash") == nil)
        #expect(ContainerInfo.recognise(argv: ["python3", "athena.py"], comm: "python3") == nil)
    }
}
