import HealthCore
import XCTest

final class SplitBrainGuardTests: XCTestCase {
    private let writes = [listener("writes", .primary, ["a", "b", "c"])]
    private var view = ClusterView(servers: [server("a"), server("b"), server("c")], check: testCheck)

    func testNoClaimantNoPrimary() {
        view.record(.replica(), for: ["a", "b"], at: sec(0))
        let table = view.routing(for: writes, at: sec(0))
        XCTAssertNil(table.primary)
        XCTAssertEqual(table.primaryClaimants, [])
        XCTAssertFalse(table.splitBrain)
        XCTAssertEqual(table.names("writes"), [])
    }

    func testASingleClaimantIsThePrimaryWithoutArbitration() {
        view.record(server: "a", outcome: .replica(), at: sec(0))
        view.record(server: "b", outcome: .primary(timeline: nil), at: sec(0))
        let table = view.routing(for: writes, at: sec(0))
        XCTAssertEqual(table.primary, "b")
        XCTAssertEqual(table.primaryClaimants, ["b"])
        XCTAssertFalse(table.splitBrain)
        XCTAssertEqual(table.names("writes"), ["b"])
    }

    func testTwoClaimantsOnDifferentTimelinesPickTheNewest() {
        view.record(server: "a", outcome: .primary(timeline: 3), at: sec(0))
        view.record(server: "b", outcome: .primary(timeline: 4), at: sec(0))
        let table = view.routing(for: writes, at: sec(0))
        XCTAssertEqual(table.primary, "b")
        XCTAssertEqual(table.primaryClaimants, ["a", "b"])
        XCTAssertFalse(table.splitBrain)
        XCTAssertEqual(table.names("writes"), ["b"])
    }

    func testTheHighestTimelineSharedMeansNoPrimary() {
        view.record(server: "a", outcome: .primary(timeline: 4), at: sec(0))
        view.record(server: "b", outcome: .primary(timeline: 4), at: sec(0))
        view.record(server: "c", outcome: .primary(timeline: 2), at: sec(0))
        let table = view.routing(for: writes, at: sec(0))
        XCTAssertNil(table.primary)
        XCTAssertEqual(table.primaryClaimants, ["a", "b", "c"])
        XCTAssertTrue(table.splitBrain)
        XCTAssertEqual(table.names("writes"), [])
    }

    func testAnUnknownTimelineMeansNoPrimary() {
        view.record(server: "a", outcome: .primary(timeline: 9), at: sec(0))
        view.record(server: "b", outcome: .primary(timeline: nil), at: sec(0))
        let table = view.routing(for: writes, at: sec(0))
        XCTAssertNil(table.primary)
        XCTAssertTrue(table.splitBrain)
        XCTAssertNil(view.lag(of: "a"))
    }

    func testOnlyUsableServersAreElectedButEveryReachableOneClaims() {
        view.record(server: "a", outcome: .primary(timeline: 4), at: sec(0))
        view.record(server: "b", outcome: .primary(timeline: 4, agent: .drain), at: sec(0))
        view.record(server: "c", outcome: .primary(timeline: 4), at: sec(0))
        view.record(.refused, for: ["c", "c", "c"], at: sec(1))
        let table = view.routing(for: writes, at: sec(1))
        XCTAssertEqual(table.primary, "a")
        // b takes no writes through pgfloat, but clients that bypass it can still write there: an alert.
        XCTAssertEqual(table.primaryClaimants, ["a", "b"])
        XCTAssertFalse(table.splitBrain)
    }

    func testAPrimaryNotConfirmedYetAlreadyClaims() {
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(0))
        view.record(server: "b", outcome: .replica(timeline: 1), at: sec(0))
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        XCTAssertEqual(view.routing(for: writes, at: sec(1)).primaryClaimants, ["a", "b"])
    }

    func testAClaimStopsWhenTheServerAnswersReplicaOrGoesDown() {
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(0))
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(0))
        view.record(server: "a", outcome: .replica(timeline: 2), at: sec(1))
        XCTAssertEqual(view.routing(for: writes, at: sec(1)).primaryClaimants, ["b"])
        view.record(.refused, for: ["b", "b", "b"], at: sec(2))
        XCTAssertEqual(view.routing(for: writes, at: sec(2)).primaryClaimants, [])
    }

    func testAPrimaryListenerOnlyGetsTheElectedPrimaryOfItsOwnPool() {
        view.record(server: "a", outcome: .primary(), at: sec(0))
        let table = view.routing(for: [listener("other", .primary, ["b", "c"])], at: sec(0))
        XCTAssertEqual(table.primary, "a")
        XCTAssertEqual(table.names("other"), [])
    }
}
