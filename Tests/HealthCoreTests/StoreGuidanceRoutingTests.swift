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
        view.follow(store: StoreGuidance(writes: .leader("b")))
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
        view.follow(store: StoreGuidance(writes: .leader("b")))
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(1))
        XCTAssertEqual(writes(), ["b"])
        XCTAssertEqual(
            view.storeDisagreements(), [StoreDisagreement(kind: .otherClaimsPrimary, server: "a", leader: "b")])
    }

    func testALeaderKeyNamingADownOrReplicaServerIsADisagreement() {
        view.follow(store: StoreGuidance(writes: .leader("c")))
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
        view.follow(store: StoreGuidance(writes: .fenced))
        XCTAssertEqual(writes(), [])
        XCTAssertEqual(view.routing(for: listeners, at: sec(1)).names("r"), ["b", "c"])
        view.follow(store: StoreGuidance(writes: .leader(nil)))
        XCTAssertEqual(writes(), [])
        view.follow(store: nil)
        XCTAssertEqual(writes(), ["a"], "without guidance the checks decide again")
    }

    func testALeaderKeyHeldByAMemberThatIsNoServerDeposesTheOldPrimary() {
        // No key (between leaders) leaves a's sessions alone; a key held by a Patroni member pgfloat does not route
        // to means a lost the role, and the sessions it still holds must not keep writing.
        view.follow(store: StoreGuidance(writes: .unmappedLeader(member: "node9")))
        let table = view.routing(for: listeners, at: sec(1))
        XCTAssertEqual(table.names("w"), [])
        XCTAssertNil(table.primary)
        XCTAssertTrue(table.deposed.contains("a"))
        XCTAssertEqual(table.names("r"), ["b", "c"])
    }

    func testAStoppedMemberTakesNoReadsAndRecordedLagIsTheFallback() {
        view.record(server: "c", outcome: .replica(timeline: 1), at: sec(1))
        view.follow(store: StoreGuidance(writes: .leader("a"), notRunning: ["b"], recordedLag: ["c": 7_000]))
        XCTAssertEqual(view.routing(for: listeners, at: sec(1)).names("r"), ["c"])
        XCTAssertEqual(view.lag(of: "c"), 7_000)
        let strict = [listener("r", .replica, ["c"], maxLag: .bytes(5_000))]
        XCTAssertEqual(view.routing(for: strict, at: sec(1)).names("r"), [], "the record says 7000 bytes behind")
    }

    func testAnUnconfirmedLeaderIsCheckedAtTheConfirmInterval() {
        view.follow(store: StoreGuidance(writes: .leader("b"), confirmInterval: .milliseconds(50)))
        XCTAssertEqual(view.nextCheckDelay(for: "b", starved: false), .milliseconds(50))
        XCTAssertEqual(view.nextCheckDelay(for: "c", starved: false), testCheck.interval)
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        XCTAssertEqual(view.nextCheckDelay(for: "b", starved: false), testCheck.interval)
    }

    func testARoleBlindCheckConfirmsALeaderThatAnswers() {
        var blind = ClusterView(servers: [server("a"), server("b")], check: testCheck)
        blind.record(.answered(), for: ["a", "b"], at: sec(0))
        blind.follow(store: StoreGuidance(writes: .leader("b")))
        XCTAssertEqual(blind.routing(for: [listener("w", .primary, ["a", "b"])], at: sec(0)).names("w"), ["b"])
    }
}
