import HealthCore
import XCTest

@testable import HealthIO

final class PGSQLStatusQueryTests: XCTestCase {
    func testPrimaryRow() {
        XCTAssertEqual(
            PGSQLStatusQuery.outcome(inRecovery: false, walPosition: "16/B374D848", timeline: 4),
            CheckOutcome(reachable: true, role: .primary, timeline: 4, walPosition: 0x16_B374_D848))
    }

    func testReplicaRowWithoutWALReceiver() {
        XCTAssertEqual(
            PGSQLStatusQuery.outcome(inRecovery: true, walPosition: "0/3000060", timeline: nil),
            CheckOutcome(reachable: true, role: .replica, walPosition: 0x300_0060))
    }

    func testReplicaThatReplayedNothingYet() {
        XCTAssertEqual(
            PGSQLStatusQuery.outcome(inRecovery: true, walPosition: nil, timeline: 2),
            CheckOutcome(reachable: true, role: .replica, timeline: 2))
    }
}
