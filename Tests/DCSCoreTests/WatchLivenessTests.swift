import DCSCore
import MonotonicTime
import XCTest

final class WatchLivenessTests: XCTestCase {
    let layout = PatroniLayout(namespace: "/service", scope: "pg")

    private func at(_ millis: Int) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: UInt64(millis) * 1_000_000)
    }

    /// What a watch has built: a read at `revision` naming `leader`.
    private func watched(_ leader: String?, revision: Int64) -> StoreState {
        var state = StoreState(layout: layout, startedAt: at(0))
        let entries = leader.map { [StoreEntry(key: "/service/pg/leader", value: Array($0.utf8))] } ?? []
        _ = state.load(StoreSnapshot(revision: revision, entries: entries), at: at(0), afterCompaction: false)
        return state
    }

    private func read(_ leader: String?, modRevision: Int64?, revision: Int64) -> LeaderReading {
        LeaderReading(leader: leader, modRevision: modRevision, revision: revision)
    }

    func testAReadOfTheWatchedLeaderAgrees() {
        var liveness = WatchLiveness(grace: .seconds(1))
        let state = watched("n1", revision: 10)
        XCTAssertEqual(
            liveness.probed(read("n1", modRevision: 7, revision: 30), watched: state, sentAt: 10, at: at(100)), .agrees)
        XCTAssertEqual(liveness.staleWatches, 0)
    }

    func testAMoveTheWatchNeverDeliversIsStaleAfterTheGrace() {
        var liveness = WatchLiveness(grace: .seconds(1))
        let state = watched("n1", revision: 10)
        let moved = read("n2", modRevision: 11, revision: 11)
        // Right after the write the watch may not have delivered it yet: probe again when the grace ends.
        XCTAssertEqual(liveness.probed(moved, watched: state, sentAt: 10, at: at(2_000)), .behind(recheckAt: at(3_000)))
        XCTAssertEqual(liveness.probed(moved, watched: state, sentAt: 10, at: at(2_500)), .behind(recheckAt: at(3_000)))
        XCTAssertEqual(
            liveness.probed(moved, watched: state, sentAt: 10, at: at(3_000)), .stale(watched: "n1", read: "n2"))
        XCTAssertEqual(liveness.staleWatches, 1)
        // Given up: the next disagreement starts a new grace rather than counting again at once.
        XCTAssertEqual(liveness.probed(moved, watched: state, sentAt: 10, at: at(3_100)), .behind(recheckAt: at(4_100)))
    }

    func testAWatchThatCatchesUpWithinTheGraceIsLive() {
        var liveness = WatchLiveness(grace: .seconds(1))
        var state = watched("n1", revision: 10)
        let moved = read("n2", modRevision: 11, revision: 11)
        XCTAssertEqual(liveness.probed(moved, watched: state, sentAt: 10, at: at(0)), .behind(recheckAt: at(1_000)))
        _ = state.apply([.put(StoreEntry(key: "/service/pg/leader", value: Array("n2".utf8)), revision: 11)], at: at(5))
        XCTAssertEqual(liveness.probed(moved, watched: state, sentAt: 10, at: at(1_000)), .agrees)
        // The grace starts afresh at the next disagreement.
        let again = read("n3", modRevision: 12, revision: 12)
        XCTAssertEqual(liveness.probed(again, watched: state, sentAt: 10, at: at(5_000)), .behind(recheckAt: at(6_000)))
        XCTAssertEqual(liveness.staleWatches, 0)
    }

    func testADeletedKeyTheWatchStillShowsIsStale() {
        var liveness = WatchLiveness(grace: .milliseconds(500))
        let state = watched("n1", revision: 10)
        let gone = read(nil, modRevision: nil, revision: 12)
        XCTAssertEqual(liveness.probed(gone, watched: state, sentAt: 10, at: at(0)), .behind(recheckAt: at(500)))
        XCTAssertEqual(liveness.probed(gone, watched: state, sentAt: 10, at: at(600)), .stale(watched: "n1", read: nil))
    }

    func testAReadOlderThanTheWatchIsNoEvidence() {
        var liveness = WatchLiveness(grace: .seconds(1))
        // The watch already delivered revision 20; the read was served before it (at 19, key written at 15).
        var state = watched("n1", revision: 10)
        _ = state.apply([.put(StoreEntry(key: "/service/pg/leader", value: Array("n3".utf8)), revision: 20)], at: at(1))
        XCTAssertEqual(
            liveness.probed(read("n2", modRevision: 15, revision: 19), watched: state, sentAt: 10, at: at(0)), .agrees)
        XCTAssertEqual(
            liveness.probed(read(nil, modRevision: nil, revision: 20), watched: state, sentAt: 10, at: at(0)), .agrees)
    }

    func testANewWatchOwesNothing() {
        var liveness = WatchLiveness(grace: .seconds(1))
        let state = watched("n1", revision: 10)
        let moved = read("n2", modRevision: 11, revision: 11)
        XCTAssertEqual(liveness.probed(moved, watched: state, sentAt: 10, at: at(0)), .behind(recheckAt: at(1_000)))
        liveness.watchStarted()
        XCTAssertEqual(liveness.probed(moved, watched: state, sentAt: 10, at: at(1_500)), .behind(recheckAt: at(2_500)))
    }

    func testAReadBehindWhatTheWatchHadReachedIsARewoundStore() {
        // The watch had delivered revision 100 (n1 leads) when the read was sent; etcd, restored from an older
        // snapshot without --bump-revision, serves it at 50, where n2 holds the key it wrote at 40. Both the
        // read's revision and the key's are below the watch's, which made such a read look merely older.
        var liveness = WatchLiveness(grace: .seconds(1))
        let state = watched("n1", revision: 100)
        let restored = read("n2", modRevision: 40, revision: 50)
        XCTAssertEqual(
            liveness.probed(restored, watched: state, sentAt: 100, at: at(0)), .rewound(read: 50, seen: 100))
        // A read served at or after the revision it was sent at is judged as before.
        let current = read("n1", modRevision: 7, revision: 100)
        XCTAssertEqual(liveness.probed(current, watched: state, sentAt: 100, at: at(0)), .agrees)
    }
}
