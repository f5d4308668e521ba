import HealthCore
import XCTest

final class ListenerRoleRoutingTests: XCTestCase {
    private var view = ClusterView(
        servers: [server("p"), server("r1"), server("r2", backup: true), server("t")], check: testCheck)

    override func setUp() {
        view.record(server: "p", outcome: .primary(), at: sec(0))
        view.record(.replica(), for: ["r1", "r2"], at: sec(0))
        view.record(server: "t", outcome: .answered(), at: sec(0))
    }

    func testEachRoleGetsItsServersInPoolOrder() {
        let pool = ["t", "r2", "r1", "p"]
        let table = view.routing(
            for: [
                listener("w", .primary, pool), listener("r", .replica, pool), listener("any", .any, pool),
                listener("rp", .replicaOrPrimary, pool),
            ],
            at: sec(0))
        XCTAssertEqual(table.names("w"), ["p"])
        XCTAssertEqual(table.names("r"), ["r2", "r1"], "backup servers are listed; the balancer prefers others")
        XCTAssertEqual(table.names("any"), ["t", "r2", "r1", "p"])
        XCTAssertEqual(table.names("rp"), ["r2", "r1"])
        XCTAssertEqual(table.weight(of: "p", in: "w"), 100)
    }

    func testReplicaOrPrimaryFallsBackToThePrimaryWhenNoReplicaQualifies() {
        view.record(.refused, for: ["r1", "r1", "r1"], at: sec(1))
        view.record(server: "r2", outcome: .replica(wal: 0), at: sec(1))
        view.record(server: "p", outcome: .primary(wal: 5_000), at: sec(1))
        let reads = [listener("rp", .replicaOrPrimary, ["r1", "r2", "p"], maxLag: .bytes(1_000))]
        XCTAssertEqual(view.routing(for: reads, at: sec(1)).names("rp"), ["p"])
    }

    func testFallFailuresDropAServerFromRoutingButItKeepsItsRole() {
        let reads = [listener("r", .replica, ["r1", "r2"])]
        view.record(.refused, for: ["r1", "r1"], at: sec(1))
        XCTAssertEqual(view.routing(for: reads, at: sec(1)).names("r"), ["r1", "r2"], "still up within fall")
        view.record(server: "r1", outcome: .refused, at: sec(2))
        XCTAssertEqual(view.routing(for: reads, at: sec(2)).names("r"), ["r2"])
        XCTAssertEqual(view.health(of: "r1")?.role, .replica)
    }

    func testAPrimaryThatGoesDownLeavesWritesWithNoServer() {
        view.record(.refused, for: ["p", "p", "p"], at: sec(1))
        let table = view.routing(for: [listener("w", .primary, ["p", "r1"])], at: sec(1))
        XCTAssertNil(table.primary)
        XCTAssertEqual(table.names("w"), [])
        XCTAssertEqual(view.health(of: "p")?.role, .primary)
    }

    func testUncheckedServersAndUnknownNamesAreNotListed() {
        var fresh = ClusterView(servers: [server("a")], check: testCheck)
        XCTAssertEqual(fresh.routing(for: [listener("any", .any, ["a", "ghost"])], at: sec(0)).names("any"), [])
        fresh.record(server: "a", outcome: .answered(), at: sec(0))
        XCTAssertEqual(fresh.routing(for: [listener("any", .any, ["a", "ghost"])], at: sec(0)).names("any"), ["a"])
        XCTAssertEqual(fresh.record(server: "ghost", outcome: .answered(), at: sec(0)), [])
    }

    func testAPromotionIsRoutedAfterRiseAnswers() {
        let writes = [listener("w", .primary, ["p", "r1"])]
        view.record(server: "p", outcome: .replica(), at: sec(1))
        XCTAssertNil(view.routing(for: writes, at: sec(1)).primary)
        view.record(server: "r1", outcome: .primary(timeline: 2), at: sec(1))
        XCTAssertNil(view.routing(for: writes, at: sec(1)).primary)
        view.record(server: "r1", outcome: .primary(timeline: 2), at: sec(2))
        XCTAssertEqual(view.routing(for: writes, at: sec(2)).names("w"), ["r1"])
    }
}

/// An `any` listener takes every usable server whatever its role, but never a primary that lost the role: writes
/// that reach it are thrown away by a later pg_rewind.
final class AnyRoleSupersededPrimaryTests: XCTestCase {
    private let any = [listener("any", .any, ["a", "b"])]
    private var view = ClusterView(servers: [server("a"), server("b")], check: testCheck)

    override func setUp() {
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(0))
        view.record(server: "b", outcome: .replica(timeline: 1), at: sec(0))
    }

    func testAPrimaryOnAnOlderTimelineLeavesAnyPoolsAtTheFirstAnswerOfANewerOne() {
        XCTAssertEqual(view.routing(for: any, at: sec(0)).names("any"), ["a", "b"])
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(1)).names("any"), ["b"])
    }

    func testAnOldPrimaryStaysOutAfterTheNewerOneDied() {
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        view.record(.refused, for: ["b", "b", "b"], at: sec(2))
        XCTAssertEqual(view.routing(for: any, at: sec(2)).names("any"), [])
    }

    func testAnOldReplicaOnAnOlderTimelineStays() {
        // Only a primary answer on an older timeline takes writes that get lost; a replica's reads are the
        // replica listeners' business.
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        view.record(server: "a", outcome: .replica(timeline: 1), at: sec(2))
        XCTAssertEqual(view.routing(for: any, at: sec(2)).names("any"), ["a", "b"])
    }

    func testAPrimaryTheStoreDoesNotNameLeavesAnyPools() {
        view.follow(store: StoreGuidance(writes: .leader("b")), at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(1)).names("any"), ["b"])
        view.follow(store: StoreGuidance(writes: .fenced), at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(1)).names("any"), ["b"])
        view.follow(store: StoreGuidance(writes: .leader("a")), at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(1)).names("any"), ["a", "b"])
    }

    func testAPrimaryThatLostTheRoleForCertainIsNamedForItsSessions() {
        // Sessions an any listener holds on it may write: they are closed (on_primary_lost).
        XCTAssertEqual(view.routing(for: any, at: sec(0)).lostPrimaries, [])
        view.record(server: "b", outcome: .primary(timeline: 2), at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(1)).lostPrimaries, ["a"])
        view.record(server: "a", outcome: .replica(timeline: 1), at: sec(2))
        XCTAssertEqual(view.routing(for: any, at: sec(2)).lostPrimaries, [], "a replica takes no writes")
    }

    func testAStoreWithoutALeaderTakesNoSessionsAway() {
        // Fenced or between leaders, the store cannot tell who lost the role: the any pool leaves the primary
        // out, but sessions already open stay, as on a primary listener.
        view.follow(store: StoreGuidance(writes: .fenced), at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(1)).lostPrimaries, [])
        view.follow(store: StoreGuidance(writes: .leader("b")), at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(1)).lostPrimaries, ["a"])
        view.follow(store: StoreGuidance(writes: .unmappedLeader(member: "node9")), at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(1)).lostPrimaries, ["a"])
    }
}
