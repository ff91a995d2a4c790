import Jobs
import Testing

struct JobOwnerParserTests {
    static let dn = "/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=jdoe/CN=123456/CN=Jane Doe"

    /// The line pilot3's dump_job_definition writes (a Python dict repr, secrets starred out).
    static func definition(_ pandaID: String, dn: String) -> String {
        "2026-11-26 07:05:53,063 | INFO     | job.py | dump_job_definition | job definition = {'jobsetID': 42, "
            + "'PandaID': \(pandaID), 'prodUserID': '\(dn)', 'taskID': 42, 'secrets': '********', 'transformation': 'runtest.sh'}"
    }

    @Test func findsTheDNOfTheJobInThePilotLog() {
        let log = ["some line", Self.definition("1111", dn: "/CN=other"), Self.definition("6402753124", dn: Self.dn), "later line"]
            .joined(separator: "\n")
        #expect(JobOwnerParser.fromPilotLog(Array(log.utf8), pandaID: "6402753124") == Self.dn)
        #expect(JobOwnerParser.fromPilotLog(Array(log.utf8), pandaID: "1111") == "/CN=other")
        #expect(JobOwnerParser.fromPilotLog(Array(log.utf8), pandaID: "64027531") == nil)
    }

    @Test func quotedPandaIDAndNoDefinition() {
        let quoted = "job definition = {'PandaID': '77', 'prodUserID': '/CN=q'}"
        #expect(JobOwnerParser.fromPilotLog(Array(quoted.utf8), pandaID: "77") == "/CN=q")
        #expect(JobOwnerParser.fromPilotLog(Array("prodUserID appears but no definition".utf8), pandaID: "77") == nil)
    }

    @Test func traceReportCarriesUsrdn() {
        let report = #"{"eventType": "get_sm", "usrdn": "/CN=trace user", "appid": "4267387837", "taskid": "31337"}"#
        #expect(JobOwnerParser.fromTraceReport(Array(report.utf8)) == "/CN=trace user")
        #expect(JobOwnerParser.fromTraceReport(Array(#"{"usrdn": 3}"#.utf8)) == nil)
    }
}
