import HealthCore
import XCTest

/// Routing when Patroni's store names the leader: the store decides who may take writes, the checks whether it can.
final class StoreGuidanceRoutingTests: XCTestCase {
    private var view = ClusterView(servers: [server("a"), server("b"), server("c")], check: testCheck)
    private let listeners = [listener("w", .primary, ["a", "b", "c"]), listener("r", .replica, ["a", "b", "c"])]

    override func setUp() {
        view.record(server: "a", outcome: .primary(timeline: 1, wal: 1_000), at: sec(0))
        view.record(.replica(timeline: 1, wal: 1_000), for: ["b", "c"], at: sec(0))
    }

    private func writes(at now: Int = 1) -> [String] { view.routing(for: listeners, at: sec(now)).names("w") }

    func testOnePrimaryAnswerOfTheNamedLeaderMovesWritesWithoutRise() {
        view.follow(store: StoreGuidance(writes: .leader("b")), at: sec(1))
        XCTAssertEqual(writes(), [], "b is still a replica: nobody takes writes, not even a")
        let events = view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        XCTAssertEqual(events.map(\.why), ["answered primary as the store's leader", "answered timeline 2"])
        XCTAssertEqual(writes(), ["b"])
    }

    func testWithoutTheStoreAPromotionWaitsForRise() {
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        XCTAssertEqual(view.health(of: "b")?.role, .replica, "1 of rise 2")
    }

    func testAnOldPrimaryThatStillAnswersPrimaryGetsNoWrites() {
        view.follow(store: StoreGuidance(writes: .leader("b")), at: sec(1))
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(1))
        XCTAssertEqual(writes(), ["b"])
        XCTAssertEqual(
            view.storeDisagreements(), [StoreDisagreement(kind: .otherClaimsPrimary, server: "a", leader: "b")])
    }

    func testALeaderKeyNamingADownOrReplicaServerIsADisagreement() {
        view.follow(store: StoreGuidance(writes: .leader("c")), at: sec(1))
        XCTAssertEqual(
            view.storeDisagreements(),
            [StoreDisagreement(kind: .leaderIsReplica, server: "c", leader: "c"),
             StoreDisagreement(kind: .otherClaimsPrimary, server: "a", leader: "c")])
        view.record(.refused, for: ["c", "c", "c"], at: sec(1))
        let down = StoreDisagreement(kind: .leaderDown, server: "c", leader: "c")
        XCTAssertTrue(view.storeDisagreements().contains(down))
        XCTAssertEqual(writes(), [])
    }

    func testFencedOrLeaderlessStoreStopsWritesButNotReads() {
        view.follow(store: StoreGuidance(writes: .fenced), at: sec(1))
        XCTAssertEqual(writes(), [])
        XCTAssertEqual(view.routing(for: listeners, at: sec(1)).names("r"), ["b", "c"])
        view.follow(store: StoreGuidance(writes: .leader(nil)), at: sec(1))
        XCTAssertEqual(writes(), [])
        view.follow(store: nil, at: sec(1))
        XCTAssertEqual(writes(), ["a"], "without guidance the checks decide again")
    }

    func testALeaderKeyHeldByAMemberThatIsNoServerDeposesTheOldPrimary() {
        // No key (between leaders) leaves a's sessions alone; a key held by a Patroni member pgfloat does not route
        // to means a lost the role, and the sessions it still holds must not keep writing.
        view.follow(store: StoreGuidance(writes: .unmappedLeader(member: "node9")), at: sec(1))
        let table = view.routing(for: listeners, at: sec(1))
        XCTAssertEqual(table.names("w"), [])
        XCTAssertNil(table.primary)
        XCTAssertTrue(table.deposed.contains("a"))
        XCTAssertEqual(table.names("r"), ["b", "c"])
    }

    func testAStoppedMemberTakesNoReadsAndRecordedLagIsTheFallback() {
        view.record(server: "c", outcome: .replica(timeline: 1), at: sec(1))
        view.follow(
            store: StoreGuidance(writes: .leader("a"), notRunning: ["b"], recordedLag: ["c": 7_000]), at: sec(1))
        XCTAssertEqual(view.routing(for: listeners, at: sec(1)).names("r"), ["c"])
        XCTAssertEqual(view.lag(of: "c"), 7_000)
        let strict = [listener("r", .replica, ["c"], maxLag: .bytes(5_000))]
        XCTAssertEqual(view.routing(for: strict, at: sec(1)).names("r"), [], "the record says 7000 bytes behind")
    }

    func testAnUnconfirmedLeaderIsCheckedAtTheConfirmIntervalUntilConfirmed() {
        let guidance = StoreGuidance(
            writes: .leader("b"), confirmInterval: .milliseconds(10), confirmWindow: .seconds(1))
        view.follow(store: guidance, at: sec(1))
        XCTAssertEqual(view.nextCheckDelay(for: "b", starved: false, at: sec(1)), .milliseconds(10))
        XCTAssertEqual(view.nextCheckDelay(for: "c", starved: false, at: sec(1)), testCheck.interval)
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1, plusNanoseconds: 50_000_000))
        XCTAssertEqual(
            view.nextCheckDelay(for: "b", starved: false, at: sec(1, plusNanoseconds: 50_000_000)),
            testCheck.interval)
    }

    /// A Patroni standby cluster's leader answers replica for ever, and an unreachable leader never answers: after
    /// the window they cost the usual intervals, not 100 checks a second.
    func testAnUnconfirmedLeaderIsPolledFastOnlyDuringTheConfirmWindow() {
        let guidance = StoreGuidance(
            writes: .leader("b"), confirmInterval: .milliseconds(10), confirmWindow: .seconds(1))
        view.follow(store: guidance, at: sec(10))
        let almost = sec(10, plusNanoseconds: 999_000_000)
        XCTAssertEqual(view.nextCheckDelay(for: "b", starved: false, at: almost), .milliseconds(10))
        XCTAssertEqual(view.nextCheckDelay(for: "b", starved: false, at: sec(11)), testCheck.interval)
        XCTAssertEqual(
            view.nextCheckDelay(for: "b", starved: true, at: sec(11)), testCheck.fastInterval,
            "the primary listener has no server: the starved rule applies")
        view.record(.refused, for: ["b", "b", "b"], at: sec(12))
        XCTAssertEqual(view.nextCheckDelay(for: "b", starved: false, at: sec(13)), testCheck.downInterval)
        // Patroni rewrites its record with the same leader: the window does not start again.
        view.follow(store: guidance, at: sec(20))
        XCTAssertEqual(view.nextCheckDelay(for: "b", starved: false, at: sec(20)), testCheck.downInterval)
        // A new leader starts a new window.
        view.follow(store: StoreGuidance(writes: .leader("c"), confirmWindow: .seconds(1)), at: sec(30))
        XCTAssertEqual(view.nextCheckDelay(for: "c", starved: false, at: sec(30)), .milliseconds(10))
    }

    /// tcp, pg-hello and agent checks only say the server accepts connections: Patroni takes the key before the
    /// promotion ends, so that is no proof the leader takes writes yet.
    func testARoleBlindCheckNeverConfirmsALeader() {
        var blind = ClusterView(servers: [server("a"), server("b")], check: testCheck)
        blind.record(.answered(), for: ["a", "b"], at: sec(0))
        blind.follow(store: StoreGuidance(writes: .leader("b")), at: sec(0))
        XCTAssertFalse(blind.isConfirmedLeader("b"))
        XCTAssertEqual(blind.routing(for: [listener("w", .primary, ["a", "b"])], at: sec(0)).names("w"), [])
        XCTAssertEqual(blind.routing(for: [listener("any", .any, ["a", "b"])], at: sec(0)).names("any"), ["a", "b"])
    }
}
