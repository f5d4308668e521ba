import ConfigModel
import HealthCore
import MonotonicTime
import XCTest

/// After a start, the first server to answer primary does not win before the others had a chance to answer: an
/// old primary on an older timeline that happens to answer first takes no writes.
final class StartupGateTests: XCTestCase {
    private let writes = [listener("writes", .primary, ["a", "b", "c"])]
    /// Checks time out after 2 s (`CheckSettings`' default).
    private var view = ClusterView(servers: [server("a"), server("b"), server("c")], check: testCheck)

    override func setUp() {
        view.holdElections(from: sec(0))
    }

    private func answer(_ server: String, _ outcome: CheckOutcome, at now: MonotonicInstant) {
        view.record(server: server, outcome: outcome, at: now)
        _ = view.reviewStartupGate(at: now)
    }

    func testAnOldPrimaryAnsweringFirstTakesNoWritesBeforeTheNewOneAnswered() {
        answer("a", .primary(timeline: 5), at: sec(0, plusNanoseconds: 10_000_000))
        let early = view.routing(for: writes, at: sec(0, plusNanoseconds: 10_000_000))
        XCTAssertNil(early.primary)
        XCTAssertEqual(early.deposed, [], "nothing is decided yet: no sessions to close")
        answer("c", .replica(timeline: 5), at: sec(0, plusNanoseconds: 20_000_000))
        XCTAssertNil(view.routing(for: writes, at: sec(0, plusNanoseconds: 20_000_000)).primary)
        answer("b", .primary(timeline: 6), at: sec(0, plusNanoseconds: 30_000_000))
        XCTAssertEqual(view.startupGate?.isOpen, true)
        let table = view.routing(for: writes, at: sec(0, plusNanoseconds: 30_000_000))
        XCTAssertEqual(table.names("writes"), ["b"])
        XCTAssertTrue(table.deposed.contains("a"), "the old primary lost the role once the election ran")
    }

    func testABusyAnswerDoesNotCountAsAnswered() {
        // The new primary, flooded by reconnecting clients, answers 53300: that tells no role, so the old primary,
        // which answered first, must not win while the gate waits for a conclusive answer or its deadline.
        answer("a", .primary(timeline: 5), at: sec(0))
        answer("c", .replica(timeline: 5), at: sec(0))
        answer("b", .serverError(sqlState: "53300", message: "sorry, too many clients already"), at: sec(1))
        XCTAssertEqual(view.startupGate?.isOpen, false)
        XCTAssertNil(view.routing(for: writes, at: sec(1)).primary)
        answer("b", .primary(timeline: 6), at: sec(1, plusNanoseconds: 500_000_000))
        XCTAssertEqual(view.routing(for: writes, at: sec(1, plusNanoseconds: 500_000_000)).names("writes"), ["b"])
    }

    func testWhileTheGateHoldsNoPrimaryTakesSessionsOfAnAnyListener() {
        // An `any` listener would otherwise send writes to whichever primary answered first, before the others
        // had a chance to show a newer timeline.
        let any = [listener("any", .any, ["a", "b", "c"])]
        answer("a", .primary(timeline: 5), at: sec(0))
        answer("c", .replica(timeline: 5), at: sec(0))
        XCTAssertEqual(view.routing(for: any, at: sec(0)).names("any"), ["c"])
        answer("b", .primary(timeline: 6), at: sec(0, plusNanoseconds: 10_000_000))
        XCTAssertEqual(view.routing(for: any, at: sec(0, plusNanoseconds: 10_000_000)).names("any"), ["b", "c"])
    }

    func testAnUnreachableServerCountsAsAnswered() {
        answer("a", .primary(timeline: 5), at: sec(0))
        answer("c", .replica(timeline: 5), at: sec(0))
        XCTAssertNil(view.routing(for: writes, at: sec(0)).primary)
        answer("b", .refused, at: sec(1))
        XCTAssertEqual(view.routing(for: writes, at: sec(1)).names("writes"), ["a"])
    }

    func testAServerThatNeverAnswersHoldsWritesBackForOneCheckTimeoutOnly() {
        answer("a", .primary(timeline: 5), at: sec(0))
        answer("c", .replica(timeline: 5), at: sec(0))
        XCTAssertNil(view.reviewStartupGate(at: sec(1)))
        XCTAssertNil(view.routing(for: writes, at: sec(1)).primary)
        XCTAssertEqual(view.startupGate?.deadline, sec(2))
        XCTAssertEqual(view.reviewStartupGate(at: sec(2)), .timeoutPassed)
        XCTAssertEqual(view.routing(for: writes, at: sec(2)).names("writes"), ["a"])
        XCTAssertNil(view.reviewStartupGate(at: sec(3)), "it opens once")
    }

    func testOnceOpenAReloadAddingAServerDoesNotHoldWritesAgain() {
        answer("a", .primary(timeline: 5), at: sec(0))
        answer("b", .replica(timeline: 5), at: sec(0))
        answer("c", .replica(timeline: 5), at: sec(0))
        view.reconfigure(servers: [server("a"), server("b"), server("c"), server("d")], check: testCheck)
        XCTAssertNil(view.reviewStartupGate(at: sec(0)))
        XCTAssertEqual(view.routing(for: writes, at: sec(0)).names("writes"), ["a"])
    }

    func testTheStoreLeaderNeedsNoGate() {
        view.follow(store: StoreGuidance(writes: .leader("b")), at: sec(0))
        answer("b", .primary(timeline: 6), at: sec(0))
        XCTAssertEqual(view.routing(for: writes, at: sec(0)).names("writes"), ["b"])
    }

    /// The finding's scenario across a restart: b (timeline 6) died, a (timeline 5) is up, pgfloat restarts and
    /// remembers timeline 6 from its state file.
    func testARememberedTimelineKeepsTheOldPrimaryFromWritesAfterARestart() {
        view.remember(newestPrimaryTimeline: 6)
        answer("a", .primary(timeline: 5), at: sec(0))
        answer("b", .refused, at: sec(0))
        answer("c", .replica(timeline: 5), at: sec(0))
        XCTAssertEqual(view.startupGate?.isOpen, true)
        XCTAssertEqual(view.routing(for: writes, at: sec(0)).names("writes"), [])
        XCTAssertEqual(view.newestPrimaryTimeline, 6)
        view.remember(newestPrimaryTimeline: 4)
        XCTAssertEqual(view.newestPrimaryTimeline, 6, "what a file says never lowers what was seen")
    }
}
