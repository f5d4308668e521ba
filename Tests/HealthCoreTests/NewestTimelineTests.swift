import HealthCore
import XCTest

/// Writes never go to a primary on an older timeline than the newest one any server answered primary on: not
/// while the newer primary is still being confirmed, not after it died, not after a reload.
final class NewestTimelineTests: XCTestCase {
    private let writes = [listener("writes", .primary, ["a", "b", "c"])]
    private var view = ClusterView(servers: [server("a"), server("b"), server("c")], check: testCheck)

    /// a is the primary on timeline 1; b, its replica, has been promoted to timeline 2 and is left to confirm.
    private func promoteB(confirmed: Bool) {
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(0))
        view.record(server: "b", outcome: .replica(timeline: 1), at: sec(0))
        XCTAssertEqual(view.routing(for: writes, at: sec(0)).names("writes"), ["a"])
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        if confirmed { view.record(server: "b", outcome: .primary(timeline: 2), at: sec(2)) }
    }

    func testTheOldPrimaryStopsTakingWritesAtTheFirstAnswerOfANewerOne() {
        promoteB(confirmed: false)
        // rise is 2: b is not confirmed yet, and a, on the older timeline, may not take writes meanwhile.
        XCTAssertEqual(view.health(of: "b")?.role, .replica)
        let table = view.routing(for: writes, at: sec(1))
        XCTAssertNil(table.primary)
        XCTAssertEqual(table.names("writes"), [])
        XCTAssertFalse(table.splitBrain)
        XCTAssertEqual(view.newestPrimaryTimeline, 2)

        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(2))
        XCTAssertEqual(view.routing(for: writes, at: sec(2)).names("writes"), ["b"])
    }

    func testAnOddPrimaryAnswerOnTheSameTimelineDoesNotStopWrites() {
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(0))
        view.record(server: "b", outcome: .replica(timeline: 1), at: sec(0))
        view.record(server: "b", outcome: .primary(timeline: 1), at: sec(1))
        XCTAssertEqual(view.routing(for: writes, at: sec(1)).names("writes"), ["a"])
    }

    func testTheOldPrimaryGetsNoWritesAfterTheNewerOneDied() {
        promoteB(confirmed: true)
        view.record(.refused, for: ["b", "b", "b"], at: sec(3))
        XCTAssertEqual(view.health(of: "b")?.reachability, .down)
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(4))
        let table = view.routing(for: writes, at: sec(4))
        XCTAssertNil(table.primary)
        XCTAssertEqual(table.names("writes"), [])
        XCTAssertEqual(view.newestPrimaryTimeline, 2)
    }

    func testTheOldPrimaryIsTheOnlyClaimantAndSupersededAfterTheNewerOneDied() {
        // What the claims alarm is told: writes go nowhere, and only the log can say why.
        promoteB(confirmed: true)
        view.record(.refused, for: ["b", "b", "b"], at: sec(3))
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(4))
        XCTAssertEqual(view.routing(for: writes, at: sec(4)).primaryClaimants, ["a"])
        XCTAssertTrue(view.isSuperseded("a"))
        XCTAssertFalse(view.isSuperseded("b"), "b answered primary on the newest timeline before it died")
        XCTAssertFalse(view.isSuperseded("c"), "c never answered")
        view.clearNewestPrimaryTimeline()
        XCTAssertFalse(view.isSuperseded("a"))
    }

    func testAnUnknownTimelineCannotShowItIsNotOlder() {
        promoteB(confirmed: true)
        view.record(.refused, for: ["b", "b", "b"], at: sec(3))
        view.record(server: "a", outcome: .primary(timeline: nil), at: sec(4))
        XCTAssertEqual(view.routing(for: writes, at: sec(4)).names("writes"), [])
    }

    func testAPrimaryOnTheNewestTimelineAfterTheOldOneTakesWrites() {
        promoteB(confirmed: true)
        view.record(.refused, for: ["b", "b", "b"], at: sec(3))
        // c is promoted in turn, to timeline 3: newer than anything seen.
        view.record(server: "c", outcome: .primary(timeline: 3), at: sec(4))
        XCTAssertEqual(view.routing(for: writes, at: sec(4)).names("writes"), ["c"])
        XCTAssertEqual(view.newestPrimaryTimeline, 3)
    }

    func testTheNewestTimelineIsKeptAcrossAReloadEvenWithoutTheServerThatShowedIt() {
        promoteB(confirmed: true)
        view.record(.refused, for: ["b", "b", "b"], at: sec(3))
        // The operator removes the dead b and changes a's address: a's health starts over, the memory does not.
        view.reconfigure(servers: [server("a", port: 5433), server("c")], check: testCheck)
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(5))
        XCTAssertEqual(view.newestPrimaryTimeline, 2)
        XCTAssertEqual(view.routing(for: [listener("writes", .primary, ["a", "c"])], at: sec(5)).names("writes"), [])
    }

    func testClearingTheNewestTimelineLetsAnOlderPrimaryTakeWritesAgain() {
        promoteB(confirmed: true)
        view.record(.refused, for: ["b", "b", "b"], at: sec(3))
        XCTAssertEqual(view.clearNewestPrimaryTimeline(), 2)
        XCTAssertNil(view.newestPrimaryTimeline)
        XCTAssertEqual(view.routing(for: writes, at: sec(4)).names("writes"), ["a"])
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(4))
        XCTAssertEqual(view.newestPrimaryTimeline, 1)
    }

    func testTheStoreLeaderOnAnOlderTimelineGetsNoWrites() {
        promoteB(confirmed: true)
        view.record(.refused, for: ["b", "b", "b"], at: sec(3))
        view.follow(store: StoreGuidance(writes: .leader("a")), at: sec(1))
        XCTAssertEqual(view.routing(for: writes, at: sec(4)).names("writes"), [])
    }
}
