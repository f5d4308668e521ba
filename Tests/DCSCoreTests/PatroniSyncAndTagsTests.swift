import ConfigModel
import DCSCore
import HealthCore
import MonotonicTime
import XCTest

/// What the store says beyond the leader: member tags, the `sync` key, a standby cluster's leader.
final class PatroniSyncAndTagsTests: XCTestCase {
    let layout = PatroniLayout(namespace: "/service", scope: "pg")
    let servers = ["pg1", "pg2", "pg3"].enumerated().map { index, name in
        ServerConfig(name: name, address: Endpoint(host: "10.0.0.1\(index + 1)", port: 5432))
    }

    private func at(_ seconds: Int) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: UInt64(seconds) * 1_000_000_000)
    }

    private func entry(_ key: String, _ value: String) -> StoreEntry {
        StoreEntry(key: "/service/pg/" + key, value: Array(value.utf8))
    }

    /// Member records as Patroni 4.0 writes them (its `tags` as configured, booleans only when set).
    private func loadedState() -> StoreState {
        var state = StoreState(layout: layout, startedAt: at(0))
        let entries = [
            entry("leader", "pg1"),
            entry(
                "members/pg1",
                #"{"conn_url":"postgres://10.0.0.11:5432/postgres","api_url":"http://10.0.0.11:8008/patroni","#
                    + #""state":"running","role":"primary","version":"4.0.4","xlog_location":50331648,"timeline":2}"#),
            entry(
                "members/pg2",
                #"{"conn_url":"postgres://10.0.0.12:5432/postgres","api_url":"http://10.0.0.12:8008/patroni","#
                    + #""state":"streaming","role":"replica","version":"4.0.4","tags":{"datacenter":"east","#
                    + #""nofailover":true},"xlog_location":50331648,"replication_state":"streaming","timeline":2}"#),
            entry(
                "members/PG3",
                #"{"conn_url":"postgres://10.0.0.13:5432/postgres","state":"streaming","role":"replica","#
                    + #""tags":{"noloadbalance":true,"rack":3},"xlog_location":50331648,"timeline":2}"#),
            entry("sync", #"{"leader":"pg1","sync_standby":"pg2","quorum":0}"#),
        ]
        _ = state.load(StoreSnapshot(revision: 5, entries: entries), at: at(1), afterCompaction: false)
        state.connected(endpoint: "http://127.0.0.1:2379")
        return state
    }

    private var policy: StorePolicy {
        StorePolicy(
            config: DCSConfig(endpoints: [.init(tls: false, host: "127.0.0.1", port: 2379)], scope: "pg"),
            servers: servers)
    }

    func testTheSyncKeyIsItsOwnKind() {
        XCTAssertEqual(layout.classify("/service/pg/sync"), .sync)
        XCTAssertEqual(layout.classify("/service/pg/sync/x"), .other)
    }

    func testMemberRecordsCarryTagsAndTheSyncKeyNamesTheStandbys() {
        let state = loadedState()
        XCTAssertEqual(state.members["pg2"]?.tags, ["datacenter": "east", "nofailover": "true"])
        XCTAssertEqual(state.syncStandbys, ["pg2"])
        let facts = policy.guidance(for: state, at: at(2))?.patroni
        XCTAssertEqual(facts?["pg1"], PatroniFacts())
        XCTAssertEqual(
            facts?["pg2"], PatroniFacts(tags: ["datacenter": "east", "nofailover": "true"], synchronous: true))
        XCTAssertEqual(facts?["pg3"], PatroniFacts(tags: ["noloadbalance": "true", "rack": "3"]))
    }

    func testSyncStandbysChangeByWatchAndCompareWithoutCase() {
        var state = loadedState()
        let changes = state.apply(
            [.put(entry("sync", #"{"leader":"pg1","sync_standby":"pg2, pg3","quorum":1}"#), revision: 6)], at: at(2))
        XCTAssertEqual(changes, [.sync(["pg2", "pg3"])])
        XCTAssertEqual(policy.guidance(for: state, at: at(2))?.patroni["pg3"]?.synchronous, true, "member PG3")
        XCTAssertEqual(
            state.apply([.put(entry("sync", #"{"leader":"pg1","sync_standby":null}"#), revision: 7)], at: at(3)),
            [.sync([])])
        XCTAssertEqual(state.apply([.delete(key: "/service/pg/sync", revision: 8)], at: at(4)), [])
        XCTAssertEqual(state.apply([.put(entry("sync", "not json"), revision: 9)], at: at(5)), [])
        XCTAssertTrue(policy.guidance(for: state, at: at(5))?.patroni.values.allSatisfy { !$0.synchronous } ?? false)
    }

    func testAStandbyClustersLeaderRecordSaysSo() {
        var state = loadedState()
        _ = state.apply(
            [.put(
                entry("members/pg1", #"{"conn_url":"postgres://10.0.0.11:5432/postgres","role":"standby_leader"}"#),
                revision: 6)],
            at: at(2))
        XCTAssertEqual(policy.guidance(for: state, at: at(2))?.patroni["pg1"]?.standbyLeader, true)
    }
}
