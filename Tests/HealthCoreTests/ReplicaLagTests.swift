import HealthCore
import XCTest

final class ReplicaLagTests: XCTestCase {
    private let reads = [listener("r", .replica, ["p", "r1", "r2"], maxLag: 1_000)]
    private var view = ClusterView(servers: [server("p"), server("r1"), server("r2")], check: testCheck)

    func testLagIsMeasuredAgainstTheElectedPrimary() {
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 9_500, lag: 77), at: sec(0))
        view.record(server: "r2", outcome: .replica(wal: 10_200), at: sec(0))
        XCTAssertEqual(view.lag(of: "r1"), 500)
        XCTAssertEqual(view.lag(of: "r2"), 0, "a replica seen ahead of the primary is not behind")
        XCTAssertEqual(view.lag(of: "p"), 0)
        XCTAssertNil(view.lag(of: "ghost"))
    }

    func testWithoutAPrimaryPositionTheReportedLagIsUsed() {
        view.record(server: "p", outcome: .primary(wal: nil), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 9_500, lag: 77), at: sec(0))
        view.record(server: "r2", outcome: .replica(wal: 9_500), at: sec(0))
        XCTAssertEqual(view.lag(of: "r1"), 77)
        XCTAssertNil(view.lag(of: "r2"))
    }

    func testAReplicaOverMaxLagLeavesThePoolAndComesBackWhenItCatchesUp() {
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 9_500), at: sec(0))
        view.record(server: "r2", outcome: .replica(wal: 8_000), at: sec(0))
        XCTAssertEqual(view.routing(for: reads, at: sec(0)).names("r"), ["r1"])
        view.record(server: "r2", outcome: .replica(wal: 9_000), at: sec(1))
        XCTAssertEqual(view.routing(for: reads, at: sec(1)).names("r"), ["r1", "r2"], "exactly max_lag is within")
    }

    func testUnknownLagStaysInThePool() {
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(.replica(wal: nil), for: ["r1", "r2"], at: sec(0))
        XCTAssertEqual(view.routing(for: reads, at: sec(0)).names("r"), ["r1", "r2"])
    }

    func testReadsKeepFlowingWhileAFailoverHasNoPrimary() {
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(.replica(wal: 1), for: ["r1", "r2"], at: sec(0))
        XCTAssertEqual(view.routing(for: reads, at: sec(0)).names("r"), [])
        view.record(.refused, for: ["p", "p", "p"], at: sec(1))
        XCTAssertEqual(view.routing(for: reads, at: sec(1)).names("r"), ["r1", "r2"])
    }

    func testNoMaxLagMeansNoLimit() {
        view.record(server: "p", outcome: .primary(wal: 10_000_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 1), at: sec(0))
        let table = view.routing(for: [listener("r", .replica, ["r1"])], at: sec(0))
        XCTAssertEqual(table.names("r"), ["r1"])
    }
}
