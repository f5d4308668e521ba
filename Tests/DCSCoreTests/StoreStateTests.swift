import DCSCore
import MonotonicTime
import XCTest

final class StoreStateTests: XCTestCase {
    let layout = PatroniLayout(namespace: "/service", scope: "pg")

    private func at(_ seconds: Int) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: UInt64(seconds) * 1_000_000_000)
    }
    private func entry(_ key: String, _ value: String) -> StoreEntry {
        StoreEntry(key: "/service/pg/" + key, value: Array(value.utf8))
    }

    func testAReadSetsLeaderMembersAndRevision() {
        var state = StoreState(layout: layout, startedAt: at(0))
        XCTAssertFalse(state.hasRead)
        let changes = state.load(
            StoreSnapshot(revision: 10, entries: [entry("leader", "n1"), entry("members/n1", #"{"role":"primary"}"#)]),
            at: at(1), afterCompaction: false)
        XCTAssertEqual(
            changes, [.member("n1", PatroniMember(name: "n1", role: "primary")), .leader(from: nil, to: "n1")])
        XCTAssertEqual(state.revision, 10)
        XCTAssertEqual(state.resumeRevision, 11)
        XCTAssertEqual(state.resyncs, 0)
    }

    func testEventsMoveTheLeaderAndRepeatsAreSkipped() {
        var state = StoreState(layout: layout, startedAt: at(0))
        _ = state.load(StoreSnapshot(revision: 10, entries: [entry("leader", "n1")]), at: at(1), afterCompaction: false)
        let batch: [StoreEvent] = [
            .delete(key: "/service/pg/leader", revision: 11),
            .put(entry("leader", "n2"), revision: 12),
        ]
        XCTAssertEqual(
            state.apply(batch, at: at(2)), [.leader(from: "n1", to: nil), .leader(from: nil, to: "n2")])
        // A watch resumed in the middle of that batch sends it again: nothing changes twice.
        XCTAssertEqual(state.apply(batch, at: at(3)), [])
        XCTAssertEqual(state.events, 2)
        XCTAssertEqual(state.revision, 12)
    }

    func testEveryEventOfOneRevisionApplies() {
        var state = StoreState(layout: layout, startedAt: at(0))
        _ = state.load(
            StoreSnapshot(revision: 10, entries: [entry("leader", "n1"), entry("members/n1", "{}")]), at: at(1),
            afterCompaction: false)
        // Patroni's leader key and the leader's member record share a lease: when it expires etcd deletes both in
        // one revision.
        let expiry: [StoreEvent] = [
            .delete(key: "/service/pg/leader", revision: 11),
            .delete(key: "/service/pg/members/n1", revision: 11),
        ]
        XCTAssertEqual(state.apply(expiry, at: at(2)), [.leader(from: "n1", to: nil), .member("n1", nil)])
        XCTAssertTrue(state.members.isEmpty)
        XCTAssertEqual(state.events, 2)
        // A watch resumed after that batch sends it again: it is skipped whole.
        XCTAssertEqual(state.apply(expiry, at: at(3)), [])
        XCTAssertEqual(state.events, 2)
        XCTAssertEqual(state.resumeRevision, 12)
    }

    func testUnreachableTimeStartsAtTheFirstFailureAndReconnectsAreCounted() {
        var state = StoreState(layout: layout, startedAt: at(0))
        XCTAssertEqual(state.unreachableSince, at(0))
        state.connected(endpoint: "http://a:2379")
        // Connected, but unreachable until read: what the store held before may be gone.
        XCTAssertEqual(state.unreachableSince, at(0))
        _ = state.load(StoreSnapshot(revision: 1, entries: []), at: at(1), afterCompaction: false)
        XCTAssertNil(state.unreachableSince)
        state.lost(at: at(5))
        state.lost(at: at(7))
        XCTAssertEqual(state.unreachableSince, at(5))
        state.connected(endpoint: "http://b:2379")
        XCTAssertEqual(state.reconnects, 1)
        XCTAssertEqual(state.connection, .connected(endpoint: "http://b:2379"))
    }

    func testAResyncReplacesEverythingAndReportsWhatMoved() {
        var state = StoreState(layout: layout, startedAt: at(0))
        _ = state.load(
            StoreSnapshot(revision: 10, entries: [entry("leader", "n1"), entry("members/n1", "{}")]), at: at(1),
            afterCompaction: false)
        let changes = state.load(
            StoreSnapshot(revision: 40, entries: [entry("leader", "n2"), entry("members/n2", "{}")]), at: at(9),
            afterCompaction: true)
        XCTAssertEqual(
            changes,
            [.member("n1", nil), .member("n2", PatroniMember(name: "n2")), .leader(from: "n1", to: "n2")])
        XCTAssertEqual(state.resyncs, 1)
        XCTAssertEqual(state.revision, 40)
        XCTAssertEqual(Set(state.members.keys), ["n2"])
    }

    func testAReadBehindTheRevisionSeenIsTheStoreAsItIsNow() {
        // etcd restored from a snapshot without --bump-revision counts its revisions again from the snapshot's:
        // keeping the higher revision seen before would skip every event up to it and resume the watch there.
        var state = StoreState(layout: layout, startedAt: at(0))
        _ = state.load(
            StoreSnapshot(revision: 100, entries: [entry("leader", "n1")]), at: at(1), afterCompaction: false)
        let changes = state.load(
            StoreSnapshot(revision: 50, entries: [entry("leader", "n2")]), at: at(2), afterCompaction: false)
        XCTAssertEqual(changes, [.leader(from: "n1", to: "n2")])
        XCTAssertEqual(state.revision, 50)
        XCTAssertEqual(state.resumeRevision, 51)
        XCTAssertEqual(
            state.apply([.put(entry("leader", "n3"), revision: 51)], at: at(3)), [.leader(from: "n2", to: "n3")])
        XCTAssertEqual(state.leader, "n3")
    }
}
