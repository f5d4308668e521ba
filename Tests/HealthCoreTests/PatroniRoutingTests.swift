import ConfigModel
import HealthCore
import XCTest

/// Routing by what Patroni says beyond roles: tags (`noloadbalance`, a listener's `tags`), synchronous standbys,
/// the standby leader, from a `patroni` check's answer or from the store.
final class PatroniRoutingTests: XCTestCase {
    private var view = ClusterView(
        servers: [server("p"), server("east"), server("west"), server("hidden")], check: testCheck)

    override func setUp() {
        view.record(server: "p", outcome: .patroni(.primary(), PatroniFacts(tags: ["nofailover": "true"])), at: sec(0))
        view.record(
            server: "east",
            outcome: .patroni(.replica(), PatroniFacts(tags: ["datacenter": "east"], synchronous: true)), at: sec(0))
        view.record(
            server: "west", outcome: .patroni(.replica(), PatroniFacts(tags: ["datacenter": "west"])), at: sec(0))
        view.record(
            server: "hidden", outcome: .patroni(.replica(), PatroniFacts(tags: ["noloadbalance": "true"])), at: sec(0))
    }

    private let pool = ["p", "east", "west", "hidden"]

    private func names(_ role: ListenerRole, tags: [String: String] = [:]) -> [String] {
        var reads = listener("l", role, pool)
        reads.tags = tags
        return view.routing(for: [reads], at: sec(1)).names("l")
    }

    func testNoLoadBalanceKeepsAMemberOutOfEveryReadPoolButNotOutOfWrites() {
        XCTAssertEqual(names(.replica), ["east", "west"])
        XCTAssertEqual(names(.replicaOrPrimary), ["east", "west"])
        XCTAssertEqual(names(.async), ["west"])
        XCTAssertEqual(names(.any), ["p", "east", "west"], "as Patroni's /read-only")
        view.record(
            server: "p", outcome: .patroni(.primary(), PatroniFacts(tags: ["noloadbalance": "true"])), at: sec(1))
        XCTAssertEqual(names(.primary), ["p"])
        XCTAssertEqual(names(.any), ["p", "east", "west"], "the primary takes /read-only whatever its tags")
    }

    func testTagsSelectMembersAsPatroniReplicaTagQueries() {
        XCTAssertEqual(names(.replica, tags: ["datacenter": "east"]), ["east"])
        XCTAssertEqual(names(.any, tags: ["datacenter": "west"]), ["p", "west"])
        XCTAssertEqual(names(.replica, tags: ["datacenter": "north"]), [])
        XCTAssertEqual(names(.replica, tags: ["rack": "1"]), [], "a member without the tag never matches")
        XCTAssertEqual(
            names(.replicaOrPrimary, tags: ["datacenter": "north"]), ["p"], "reads still fall back to the primary")
    }

    func testSyncAndAsyncSplitTheReplicasByPatronisSyncList() {
        XCTAssertEqual(names(.sync), ["east"])
        XCTAssertEqual(names(.async), ["west"])
        view.record(server: "west", outcome: .patroni(.replica(), PatroniFacts(synchronous: true)), at: sec(1))
        view.record(server: "east", outcome: .patroni(.replica(), PatroniFacts()), at: sec(1))
        XCTAssertEqual(names(.sync), ["west"], "a new sync standby moves at its next answer")
        XCTAssertEqual(names(.async), ["east"])
    }

    func testServersPatroniSaysNothingOfAreNeitherSyncNorAsync() {
        view.record(server: "west", outcome: .replica(), at: sec(1))
        XCTAssertEqual(names(.sync), ["east"])
        XCTAssertEqual(names(.async), [], "a pgsql check cannot tell, so west takes neither")
        XCTAssertEqual(names(.replica), ["east", "west"], "nor does it have tags to exclude it")
    }

    func testSyncTakesOnlyReplicasEvenIfThePrimaryIsListed() {
        view.record(server: "p", outcome: .patroni(.primary(), PatroniFacts(synchronous: true)), at: sec(1))
        XCTAssertEqual(names(.sync), ["east"])
    }

    func testStandbyLeaderTakesTheStandbyClustersLeaderWhateverItsTags() {
        var standby = ClusterView(servers: [server("s1"), server("s2")], check: testCheck)
        let leader = PatroniFacts(tags: ["noloadbalance": "true"], standbyLeader: true)
        standby.record(server: "s1", outcome: .patroni(.replica(timeline: 3), leader), at: sec(0))
        standby.record(server: "s2", outcome: .patroni(.replica(timeline: 3), PatroniFacts()), at: sec(0))
        let listeners = [listener("sl", .standbyLeader, ["s1", "s2"]), listener("r", .replica, ["s1", "s2"])]
        let table = standby.routing(for: listeners, at: sec(0))
        XCTAssertEqual(table.names("sl"), ["s1"])
        XCTAssertEqual(table.names("r"), ["s2"], "noloadbalance still keeps it out of replica pools")
        standby.record(.refused, for: ["s1", "s1", "s1"], at: sec(1))
        XCTAssertEqual(standby.routing(for: listeners, at: sec(1)).names("sl"), [])
    }

    func testAStandbyClustersLeaderAnsweringReplicaIsNoDisagreement() {
        var standby = ClusterView(servers: [server("s1"), server("s2")], check: testCheck)
        standby.record(.replica(timeline: 3), for: ["s1", "s2"], at: sec(0))
        standby.follow(store: StoreGuidance(writes: .leader("s1")), at: sec(0))
        XCTAssertEqual(
            standby.storeDisagreements(), [StoreDisagreement(kind: .leaderIsReplica, server: "s1", leader: "s1")])
        standby.follow(
            store: StoreGuidance(writes: .leader("s1"), patroni: ["s1": PatroniFacts(standbyLeader: true)]),
            at: sec(0))
        XCTAssertEqual(standby.storeDisagreements(), [], "a standby leader is a replica: its record says so")
        XCTAssertNil(standby.routing(for: [listener("w", .primary, ["s1", "s2"])], at: sec(0)).primary)
    }

    func testTheStoresRecordsTakePrecedenceOverTheChecksAnswers() {
        view.follow(
            store: StoreGuidance(
                writes: .leader("p"),
                patroni: [
                    "west": PatroniFacts(tags: ["datacenter": "east"], synchronous: true),
                    "east": PatroniFacts(tags: ["datacenter": "east"]),
                ]),
            at: sec(1))
        XCTAssertEqual(names(.sync), ["west"])
        XCTAssertEqual(names(.async), ["east"])
        XCTAssertEqual(names(.replica, tags: ["datacenter": "east"]), ["east", "west"])
        XCTAssertEqual(names(.replica), ["east", "west"], "hidden has no record: its check's noloadbalance holds")
    }

    func testAStoreRecordKeepsTheChecksPauseAndPauseIsShownClusterWide() {
        XCTAssertNil(view.patroniPaused, "the answers of setUp do not say")
        view.follow(store: StoreGuidance(writes: .leader("p"), patroni: ["east": PatroniFacts()]), at: sec(1))
        let events = view.record(
            server: "east", outcome: .patroni(.replica(), PatroniFacts(synchronous: true, paused: true)), at: sec(1))
        XCTAssertEqual(events.map(\.change), [.maintenance(paused: true)])
        XCTAssertEqual(events.map(\.why), ["patroni reports maintenance mode"])
        XCTAssertEqual(view.patroniFacts(of: "east")?.paused, true)
        XCTAssertEqual(view.patroniFacts(of: "east")?.synchronous, false, "the record's sync list wins")
        XCTAssertEqual(view.patroniPaused, true)
        let resumed = view.record(
            server: "east", outcome: .patroni(.replica(), PatroniFacts(paused: false)), at: sec(2))
        XCTAssertEqual(resumed.map(\.change), [.maintenance(paused: false)])
        XCTAssertEqual(view.patroniPaused, false)
        var plain = ClusterView(servers: [server("a")], check: testCheck)
        plain.record(server: "a", outcome: .primary(), at: sec(0))
        XCTAssertNil(plain.patroniPaused, "no check asks Patroni")
    }

    func testNoFailoverAndNoSyncReadPatronisFlagsAndPriorities() {
        XCTAssertTrue(PatroniFacts(tags: ["nofailover": "true"]).noFailover)
        XCTAssertTrue(PatroniFacts(tags: ["failover_priority": "0"]).noFailover)
        XCTAssertFalse(PatroniFacts(tags: ["nofailover": "false", "failover_priority": "0"]).noFailover)
        XCTAssertTrue(PatroniFacts(tags: ["sync_priority": "-1"]).noSync)
        XCTAssertFalse(PatroniFacts(tags: ["sync_priority": "2"]).noSync)
        XCTAssertFalse(PatroniFacts().noLoadBalance)
    }
}

extension CheckOutcome {
    /// A `patroni` check's answer: `outcome` with what Patroni said beyond the role.
    static func patroni(_ outcome: CheckOutcome, _ facts: PatroniFacts) -> CheckOutcome {
        var outcome = outcome
        outcome.patroni = facts
        return outcome
    }
}
