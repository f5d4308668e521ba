import HealthCore
import XCTest

/// Which servers lost the primary role, so a primary listener can close the sessions it still holds on them:
/// a deposed primary that stays reachable is never "marked down", and PostgreSQL keeps its sessions writing.
final class DeposedPrimaryTests: XCTestCase {
    private let writes = [listener("writes", .primary, ["a", "b"])]
    private var view = ClusterView(servers: [server("a"), server("b")], check: testCheck)

    override func setUp() {
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(0))
        view.record(server: "b", outcome: .replica(timeline: 1), at: sec(0))
    }

    private func deposed(at now: Int) -> Set<String> { view.routing(for: writes, at: sec(now)).deposed }

    func testAHealthyClusterListsOnlyItsReplicas() {
        // A primary listener holds sessions on a replica only if it was the primary when they began.
        XCTAssertEqual(deposed(at: 0), ["b"])
        XCTAssertEqual(view.routing(for: writes, at: sec(0)).primary, "a")
    }

    func testAPrimaryThatAnswersReplicaIsDeposed() {
        view.record(server: "a", outcome: .replica(timeline: 1), at: sec(1))
        XCTAssertTrue(deposed(at: 1).contains("a"))
    }

    func testAPrimaryThatAnswersWithoutARoleIsDeposed() {
        view.record(server: "a", outcome: .answered(), at: sec(1))
        XCTAssertTrue(deposed(at: 1).contains("a"))
    }

    func testAPrimaryOnAnOlderTimelineIsDeposedAtTheFirstAnswerOfANewerOne() {
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        XCTAssertEqual(deposed(at: 1), ["a", "b"], "b is not confirmed yet either")
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(2))
        XCTAssertEqual(deposed(at: 2), ["a"])
    }

    func testTwoPrimariesOnOneTimelineAreBothDeposed() {
        view.record(server: "b", outcome: .primary(timeline: 1), at: sec(1))
        view.record(server: "b", outcome: .primary(timeline: 1), at: sec(2))
        XCTAssertEqual(deposed(at: 2), ["a", "b"])
    }

    func testADownPrimaryKeepsItsSessionsWhileNobodyElseIsPrimary() {
        // A check that fails says nothing about PostgreSQL's sessions: a hiccup must not cut them.
        view.record(.refused, for: ["a", "a", "a"], at: sec(1))
        XCTAssertEqual(view.health(of: "a")?.reachability, .down)
        XCTAssertFalse(deposed(at: 1).contains("a"))
    }

    func testADownPrimaryIsDeposedOnceAnotherIsElected() {
        // Checks that tell no timeline (external ones): only the election says that a lost the role. a's check
        // fails (Patroni's API died) while its PostgreSQL may still be a writable primary.
        var view = ClusterView(servers: [server("a"), server("b")], check: testCheck)
        view.record(server: "a", outcome: .primary(timeline: nil), at: sec(0))
        view.record(server: "b", outcome: .replica(timeline: nil), at: sec(0))
        view.record(.refused, for: ["a", "a", "a"], at: sec(1))
        view.record(server: "b", outcome: .primary(timeline: nil), at: sec(2))
        XCTAssertFalse(view.routing(for: writes, at: sec(2)).deposed.contains("a"), "b is not confirmed yet")
        view.record(server: "b", outcome: .primary(timeline: nil), at: sec(3))
        let table = view.routing(for: writes, at: sec(3))
        XCTAssertEqual(table.primary, "b")
        XCTAssertEqual(table.deposed, ["a"])
    }

    func testADownPrimaryOnAnOlderTimelineIsDeposedBeforeTheNewOneIsConfirmed() {
        view.record(.refused, for: ["a", "a", "a"], at: sec(1))
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(2))
        XCTAssertNil(view.routing(for: writes, at: sec(2)).primary, "rise is 2: b is not confirmed yet")
        XCTAssertTrue(deposed(at: 2).contains("a"))
    }

    func testAPrimaryItsAgentDrainsKeepsItsSessionsWhileNobodyElseIsPrimary() {
        view.record(server: "a", outcome: .primary(timeline: 1, agent: .drain), at: sec(1))
        XCTAssertNil(view.routing(for: writes, at: sec(1)).primary)
        XCTAssertFalse(deposed(at: 1).contains("a"))
    }

    func testADrainedPrimaryOnAnOlderTimelineIsDeposed() {
        // The runbook: drain the old primary through its agent, then promote the standby.
        view.record(server: "a", outcome: .primary(timeline: 1, agent: .drain), at: sec(1))
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(2))
        XCTAssertNil(view.routing(for: writes, at: sec(2)).primary, "rise is 2: b is not confirmed yet")
        XCTAssertTrue(deposed(at: 2).contains("a"))
    }

    func testADrainedPrimaryOnAnOlderTimelineIsDeposedEvenWhenTheStoreNamesNoLeader() {
        view.record(server: "a", outcome: .primary(timeline: 1, agent: .drain), at: sec(1))
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(2))
        view.follow(store: StoreGuidance(writes: .fenced), at: sec(2))
        XCTAssertTrue(deposed(at: 2).contains("a"), "a newer timeline is a fact whatever the store says")
    }

    func testTheStoreNamingAnotherLeaderDeposesTheOldOne() {
        view.follow(store: StoreGuidance(writes: .leader("b")), at: sec(1))
        XCTAssertTrue(deposed(at: 1).contains("a"))
    }

    func testAFencedStoreDeposesNobody() {
        view.follow(store: StoreGuidance(writes: .fenced), at: sec(1))
        XCTAssertFalse(deposed(at: 1).contains("a"))
        view.follow(store: StoreGuidance(writes: .leader(nil)), at: sec(1))
        XCTAssertFalse(deposed(at: 1).contains("a"))
    }
}
