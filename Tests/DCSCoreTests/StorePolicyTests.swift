import ConfigModel
import DCSCore
import HealthCore
import MonotonicTime
import XCTest

final class StorePolicyTests: XCTestCase {
    let layout = PatroniLayout(namespace: "/service", scope: "pg")
    let servers = [
        ServerConfig(name: "pg1", address: Endpoint(host: "10.0.0.11", port: 5432)),
        ServerConfig(name: "pg2", address: Endpoint(host: "10.0.0.12", port: 5432)),
    ]

    private func at(_ seconds: Int) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: UInt64(seconds) * 1_000_000_000)
    }

    private func policy(_ onLoss: DCSConfig.LossPolicy, grace: Duration = .seconds(10)) -> StorePolicy {
        let config = DCSConfig(
            endpoints: [.init(tls: false, host: "127.0.0.1", port: 2379)], scope: "pg", onLoss: onLoss,
            lossGrace: grace)
        return StorePolicy(config: config, servers: servers)
    }

    /// Leader `node1` (found by its conn_url) and replica `pg2` (by name), 4096 bytes behind.
    private func connectedState() -> StoreState {
        var state = StoreState(layout: layout, startedAt: at(0))
        let entries = [
            StoreEntry(key: layout.leaderKey, value: Array("node1".utf8)),
            StoreEntry(
                key: layout.membersPrefix + "node1",
                value: Array(#"{"conn_url":"postgres://10.0.0.11:5432/postgres","xlog_location":8192}"#.utf8)),
            StoreEntry(
                key: layout.membersPrefix + "pg2", value: Array(#"{"state":"running","xlog_location":4096}"#.utf8)),
        ]
        _ = state.load(StoreSnapshot(revision: 3, entries: entries), at: at(1), afterCompaction: false)
        state.connected(endpoint: "http://127.0.0.1:2379")
        return state
    }

    func testMembersMapByNameOrByAddress() {
        let policy = policy(.keep)
        XCTAssertEqual(policy.server(for: "pg2", record: nil), "pg2")
        XCTAssertEqual(
            policy.server(for: "node1", record: PatroniMember(name: "node1", host: "10.0.0.11", port: 5432)), "pg1")
        XCTAssertNil(policy.server(for: "node9", record: PatroniMember(name: "node9", host: "10.0.0.99", port: 5432)))
    }

    func testConnectedGuidanceNamesTheLeaderServerAndRecordedLag() {
        let state = connectedState()
        let guidance = policy(.keep).guidance(for: state, at: at(2))
        XCTAssertEqual(guidance?.writes, .leader("pg1"))
        XCTAssertEqual(guidance?.recordedLag, ["pg2": 4096])
        XCTAssertEqual(policy(.keep).authority(for: state, at: at(2)), .leader)
    }

    func testAStoppedMemberTakesNoReads() {
        var state = connectedState()
        _ = state.apply(
            [.put(StoreEntry(key: layout.membersPrefix + "pg2", value: Array(#"{"state":"stopped"}"#.utf8)),
                  revision: 4)],
            at: at(2))
        XCTAssertEqual(policy(.keep).guidance(for: state, at: at(2))?.notRunning, ["pg2"])
    }

    func testKeepFallsBackToTheChecksAtOnce() {
        var state = connectedState()
        state.lost(at: at(5))
        XCTAssertNil(policy(.keep).guidance(for: state, at: at(5)))
        XCTAssertEqual(policy(.keep).authority(for: state, at: at(5)), .checks)
        XCTAssertNil(policy(.keep).nextChange(for: state, at: at(5)))
    }

    func testFenceKeepsTheLastLeaderForTheGraceThenStopsWrites() {
        var state = connectedState()
        state.lost(at: at(5))
        let fence = policy(.fence, grace: .seconds(10))
        XCTAssertEqual(fence.guidance(for: state, at: at(14))?.writes, .leader("pg1"))
        XCTAssertEqual(fence.nextChange(for: state, at: at(14)), at(15))
        XCTAssertEqual(fence.guidance(for: state, at: at(15))?.writes, .fenced)
        XCTAssertEqual(fence.authority(for: state, at: at(15)), .fenced)
        XCTAssertNil(fence.nextChange(for: state, at: at(15)))
        // Connected again, but what the store held before the loss may be long gone: fenced until a read.
        state.connected(endpoint: "http://127.0.0.1:2379")
        XCTAssertEqual(fence.guidance(for: state, at: at(16))?.writes, .fenced)
        _ = state.load(StoreSnapshot(revision: 9, entries: []), at: at(16), afterCompaction: false)
        XCTAssertEqual(fence.guidance(for: state, at: at(16))?.writes, .leader(nil))
    }

    func testFenceAllowsNoWritesBeforeTheFirstRead() {
        // At start, or after a reload that restarted the watch: the checks alone could pick a primary Patroni has
        // already deposed.
        var state = StoreState(layout: layout, startedAt: at(0))
        let fence = policy(.fence, grace: .seconds(3))
        XCTAssertEqual(fence.guidance(for: state, at: at(0))?.writes, .fenced)
        XCTAssertEqual(fence.authority(for: state, at: at(0)), .fenced)
        XCTAssertNil(fence.nextChange(for: state, at: at(0)))
        _ = state.load(
            StoreSnapshot(revision: 3, entries: [StoreEntry(key: layout.leaderKey, value: Array("pg1".utf8))]),
            at: at(1), afterCompaction: false)
        XCTAssertEqual(fence.guidance(for: state, at: at(1))?.writes, .leader("pg1"))
    }

    func testKeepUsesTheChecksBeforeTheFirstRead() {
        let state = StoreState(layout: layout, startedAt: at(0))
        XCTAssertNil(policy(.keep).guidance(for: state, at: at(0)))
        XCTAssertEqual(policy(.keep).authority(for: state, at: at(0)), .checks)
    }

    func testALeaderThatIsNoServerMeansNoWrites() {
        var state = connectedState()
        _ = state.apply([.put(StoreEntry(key: layout.leaderKey, value: Array("ghost".utf8)), revision: 9)], at: at(2))
        XCTAssertEqual(policy(.keep).guidance(for: state, at: at(2))?.writes, .unmappedLeader(member: "ghost"))
        XCTAssertEqual(policy(.keep).authority(for: state, at: at(2)), .unmapped)
    }

    func testAReconnectGivesNoGuidanceFromBeforeTheLossUntilTheKeysAreRead() {
        // Under keep the checks chose while the store was lost; a watch that comes back shows the leader of before
        // the loss until it has caught up, and following it would depose the server the checks elected meanwhile.
        var state = connectedState()
        state.lost(at: at(5))
        state.connected(endpoint: "http://127.0.0.1:2379")
        XCTAssertNil(policy(.keep).guidance(for: state, at: at(6)))
        XCTAssertEqual(policy(.keep).authority(for: state, at: at(6)), .checks)
        _ = state.load(
            StoreSnapshot(revision: 20, entries: [StoreEntry(key: layout.leaderKey, value: Array("pg2".utf8))]),
            at: at(6), afterCompaction: false)
        XCTAssertEqual(policy(.keep).guidance(for: state, at: at(6))?.writes, .leader("pg2"))
    }

    func testALeaderKeyHeldByAnUnknownMemberIsNotAnEmptyKey() {
        // No key: between leaders, nobody is known to have lost the role. A key held by a member that is no
        // [[server]]: every configured server lost it, and a primary among them must not keep its sessions.
        var state = connectedState()
        _ = state.apply([.delete(key: layout.leaderKey, revision: 8)], at: at(2))
        let empty = policy(.keep).guidance(for: state, at: at(2))?.writes
        _ = state.apply([.put(StoreEntry(key: layout.leaderKey, value: Array("ghost".utf8)), revision: 9)], at: at(2))
        XCTAssertNotEqual(policy(.keep).guidance(for: state, at: at(2))?.writes, empty)
    }
}
