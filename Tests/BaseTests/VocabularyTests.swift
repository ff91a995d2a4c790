import Testing
@testable import Base

/// The capability numbers and names, and rule families, every layer asks instead of keeping its own.
@Suite struct VocabularyTests {
    @Test func capabilityBitsAndNamesMatchCapabilityH() {
        #expect(Capability.dacOverride.number == 1 && Capability.dacReadSearch.number == 2 && Capability.kill.number == 5)
        #expect(Capability.setpcap.number == 8 && Capability.sysPtrace.number == 19 && Capability.sysAdmin.number == 21)
        #expect(Capability.perfmon.number == 38 && Capability.bpf.number == 39)
        #expect(Capability.sysPtrace.name == "cap_sys_ptrace")
        #expect(Capability.mask([.dacReadSearch, .sysPtrace]) == 0x80004)
        #expect(Capability.sysPtrace.isSet(in: 0x80000) && !Capability.kill.isSet(in: 0x80000))
        #expect(Capability.hex(0x80004) == "0000000000080004")
        #expect(Capability.hex(UInt64.max) == "ffffffffffffffff")
    }

    @Test(arguments: [
        ("ISO-UID", RuleFamily.isolation), ("ISO-XPAYLOAD", .isolation), ("PRIV-NNP", .privilege),
        ("TRACE-ATTR", .traceability), ("NODE-PTRACE", .node), ("SITE-LOCAL", .other), ("iso-uid", .other),
    ])
    func ruleFamilyFromTheStableIDPrefix(id: String, family: RuleFamily) {
        #expect(RuleFamily(ruleID: id) == family)
    }
}
