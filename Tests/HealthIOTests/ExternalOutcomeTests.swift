import HealthCore
import XCTest

@testable import HealthIO

final class ExternalOutcomeTests: XCTestCase {
    private func outcome(_ termination: ScriptResult.Termination, stdout: String = "", stderr: String = "")
        -> CheckOutcome
    {
        let result = ScriptResult(termination: termination, stdout: Array(stdout.utf8), stderr: Array(stderr.utf8))
        return ExternalProbe.outcome(result, timeout: .milliseconds(300))
    }

    func testExitZeroWithRole() {
        XCTAssertEqual(
            outcome(.exited(0), stdout: "lag=0\nrole=replica\n"), CheckOutcome(reachable: true, role: .replica))
        XCTAssertEqual(
            outcome(.exited(0), stdout: "  ROLE=Primary \r\n"), CheckOutcome(reachable: true, role: .primary))
        XCTAssertEqual(outcome(.exited(0), stdout: "ok\n"), CheckOutcome(reachable: true, role: .unknown))
        XCTAssertEqual(outcome(.exited(0), stdout: "role=standby\n"), CheckOutcome(reachable: true, role: .unknown))
    }

    func testFailuresCarryTheFirstStderrLine() {
        XCTAssertEqual(
            outcome(.exited(2), stderr: "\n  replica lagging \nsecond line\n"),
            .failed("exit status 2: replica lagging"))
        XCTAssertEqual(outcome(.exited(1)), .failed("exit status 1"))
        XCTAssertEqual(outcome(.signaled(15)), .failed("killed by signal 15"))
    }

    func testTimeoutAndStartFailures() {
        XCTAssertEqual(outcome(.timedOut), .failed("timed out after 300ms, killed"))
        XCTAssertEqual(
            outcome(.notStarted("cannot run /nope: No such file or directory")),
            .failed("cannot run /nope: No such file or directory"))
    }

    func testWaitStatusDecoding() {
        XCTAssertEqual(ScriptRun.termination(0), .exited(0))
        XCTAssertEqual(ScriptRun.termination(3 << 8), .exited(3))
        XCTAssertEqual(ScriptRun.termination(9), .signaled(9))
        XCTAssertEqual(ScriptRun.termination(0x80 | 11), .signaled(11))  // core dumped
    }
}
