import Base
import Testing
@testable import ProcFS

/// The reasons in a process's `unavailable` map: typed for code, the same text as before in JSON.
@Suite struct UnavailableReasonTests {
    @Test func textsAreTheSnapshotContract() {
        let refused = UnavailableReason(SystemCallError(operation: "open", path: "/proc/1/environ", errno: .permissionDenied))
        #expect(refused == .refused(.permissionDenied) && refused.isRefused && !refused.isAbsent)
        #expect(refused.description == "permission denied (EACCES)")
        #expect(UnavailableReason(SystemCallError(operation: "open", path: "x", errno: .notPermitted)).description == "operation not permitted (EPERM)")
        let missing = UnavailableReason(SystemCallError(operation: "readlink", path: "x", errno: .noSuchFileOrDirectory))
        #expect(missing.isAbsent && missing.description == "missing (ENOENT)")
        #expect(UnavailableReason(SystemCallError(operation: "open", path: "x", errno: .noSuchProcess)).description == "process gone (ESRCH)")
        let other = UnavailableReason(SystemCallError(operation: "read", path: "x", errno: .ioError))
        #expect(other == .failed(operation: "read", errno: .ioError) && !other.isRefused && !other.isAbsent)
        #expect(other.description == "read failed: Input/output error")
        #expect(UnavailableReason.malformed("line 9: Uid: expected 4 values, found 3").description == "malformed: line 9: Uid: expected 4 values, found 3")
        #expect(UnavailableReason.kernelThread.description == "none (kernel thread)")
        #expect(UnavailableReason.zombie.description == "none (zombie)")
    }
}
