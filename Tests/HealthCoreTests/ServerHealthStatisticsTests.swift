import HealthCore
import XCTest

final class ServerHealthStatisticsTests: XCTestCase {
    func testFailedChecksDownTransitionsAndDowntimeAreCounted() {
        var health = ServerHealth(name: "s", rise: 2, fall: 2)
        health.record(.answered(), at: sec(0))
        health.record(.refused, at: sec(1))
        XCTAssertEqual(health.failedChecks, 1)
        XCTAssertEqual(health.downTransitions, 0, "one failure is within fall")
        health.record(.refused, at: sec(2))
        XCTAssertEqual(health.downTransitions, 1)
        XCTAssertEqual(health.downtime(at: sec(5)), .seconds(3), "down since the second failure")
        health.record(.answered(), at: sec(6))
        health.record(.answered(), at: sec(7))
        XCTAssertEqual(health.reachability, .up)
        XCTAssertEqual(health.downtime(at: sec(20)), .seconds(5), "downtime stops when the server comes back")
        XCTAssertEqual(health.failedChecks, 2)
    }

    func testAServerFoundDownOnItsFirstCheckCountsDowntimeButNoUpToDownTransition() {
        var health = ServerHealth(name: "s", rise: 2, fall: 2)
        health.record(.refused, at: sec(0))
        XCTAssertEqual(health.downTransitions, 0)
        XCTAssertEqual(health.downtime(at: sec(4)), .seconds(4))
    }
}
