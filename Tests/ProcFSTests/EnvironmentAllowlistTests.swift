import Testing
@testable import ProcFS

@Suite struct EnvironmentAllowlistTests {
    /// The list of the Foundation issue, item 2; APPTAINER_*/SINGULARITY_* only the container names.
    @Test func allowlistIsTheIssueList() {
        #expect(EnvironmentAllowlist.names == [
            "PandaID", "PANDAID", "PanDA_TaskID", "PanDA_AttemptNr", "FRONTIER_ID", "HARVESTER_ID",
            "HARVESTER_WORKER_ID", "GTAG", "PILOT_HOME", "X509_USER_PROXY",
            "APPTAINER_CONTAINER", "APPTAINER_NAME", "SINGULARITY_CONTAINER", "SINGULARITY_NAME",
            "HTCondor_Job_ID", "_CONDOR_JOB_AD", "SLURM_JOB_ID", "PBS_JOBID", "LSB_JOBID", "JOB_ID",
        ])
    }

    static func environ(_ entries: [[UInt8]]) -> Bytes { entries.flatMap { $0 + [0] }[...] }

    @Test func keepsOnlyAllowlistedNames() {
        let env = EnvironmentAllowlist.parse(Self.environ([
            Array("PANDAID=6402753124".utf8), Array("PanDA_TaskID=42".utf8), Array("HOME=/home/isopilot".utf8),
            Array("PANDA_AUTH_TOKEN=s3cr3t".utf8), Array("AWS_SECRET_ACCESS_KEY=abc".utf8),
            Array("APPTAINERENV_SECRET=x".utf8), Array("APPTAINER_DOCKER_PASSWORD=pw".utf8),
            Array("APPTAINER_NAME=el9".utf8), Array("X509_USER_PROXY=/tmp/x509up_u2001".utf8),
            Array("pandaid=1".utf8), Array("PANDAID_X=2".utf8), Array("XPANDAID=3".utf8),
        ]))
        #expect(env == ["PANDAID": "6402753124", "PanDA_TaskID": "42", "APPTAINER_NAME": "el9",
                        "X509_USER_PROXY": "/tmp/x509up_u2001"])
    }

    @Test func firstOccurrenceWinsLikeGetenv() {
        let env = EnvironmentAllowlist.parse(Self.environ([Array("PandaID=1".utf8), Array("PandaID=2".utf8)]))
        #expect(env == ["PandaID": "1"])
    }

    @Test func oddEntries() {
        let env = EnvironmentAllowlist.parse(Self.environ([
            Array("GTAG".utf8),  // no '=': skipped
            Array("JOB_ID=".utf8),  // empty value kept
            Array("SLURM_JOB_ID=a=b".utf8),  // only the first '=' separates
            Array("GTAG=http://x/".utf8) + [0xFE],  // non-UTF-8 value escaped
            Array("=PANDAID".utf8),
        ]))
        #expect(env == ["JOB_ID": "", "SLURM_JOB_ID": "a=b", "GTAG": "http://x/\\xfe"])
    }

    @Test func emptyOrUnterminated() {
        #expect(EnvironmentAllowlist.parse(bytes("")) == [:])
        #expect(EnvironmentAllowlist.parse(bytes("LSB_JOBID=5")) == ["LSB_JOBID": "5"])
    }
}
