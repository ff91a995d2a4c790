import Testing
@testable import ProcFS

@Suite struct SystemStatTests {
    @Test func findsBtime() throws {
        let text = "cpu  6619 0 2633 110008 406 0 25 17 0 0\ncpu0 2999 0 1232 55613 9 0 7 7 0 0\nintr 1125468 0 9 0\n"
            + "ctxt 2290121\nbtime 1795673343\nprocesses 6025\nprocs_running 1\n"
        #expect(try SystemStat.parseBootTime(bytes(text)) == 1_795_673_343)
    }

    @Test(arguments: ["cpu  1 2 3\nctxt 5\n", "", "btimes 17\n"])
    func missingBtimeIsAnError(text: String) {
        let error = #expect(throws: ParseError.self) { try SystemStat.parseBootTime(bytes(text)) }
        #expect(error?.reason.contains("no 'btime' line") == true)
    }

    @Test(arguments: ["cpu 1\nbtime soon\n", "cpu 1\nbtime 17 18\n", "cpu 1\nbtime\n"])
    func badBtimeNamesItsLine(text: String) {
        let error = #expect(throws: ParseError.self) { try SystemStat.parseBootTime(bytes(text)) }
        #expect(error?.file == "stat")
        #expect(error?.line == 2)
    }
}
