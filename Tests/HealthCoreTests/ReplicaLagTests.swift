import ConfigModel
import HealthCore
import XCTest

/// How replica lag is measured (without skew between check schedules), counted (rise/fall per listener and
/// server) and judged when there is no primary or a replica departed from the cluster's history.
final class ReplicaLagTests: XCTestCase {
    private let reads = [listener("r", .replica, ["p", "r1", "r2"], maxLag: .bytes(1_000))]
    private var view = ClusterView(servers: [server("p"), server("r1"), server("r2")], check: testCheck)

    private func pool(at instant: Int, _ listeners: [ListenerConfig]? = nil) -> [String] {
        view.routing(for: listeners ?? reads, at: sec(instant)).names(listeners?.first?.name ?? "r")
    }

    func testLagIsMeasuredAgainstThePrimaryReadBeforeTheReplica() {
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 9_500, lag: 77), at: sec(1))
        view.record(server: "r2", outcome: .replica(wal: 10_200), at: sec(1))
        XCTAssertEqual(view.lag(of: "r1"), 500)
        XCTAssertEqual(view.lag(of: "r2"), 0, "the primary wrote on after it was read: no evidence of anything")
        XCTAssertEqual(view.replicaLag(of: "r2")?.diverged, false)
        XCTAssertEqual(view.lag(of: "p"), 0)
        XCTAssertNil(view.lag(of: "ghost"))
    }

    func testAPrimaryReadAfterTheReplicaDoesNotCountItsNewWALAsLag() {
        view.followLagLimits(of: reads)
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(.replica(wal: 10_000, received: 10_000), for: ["r1", "r2"], at: sec(1))
        // 5 MB/s of WAL: the primary is read 2 s after the replicas, 10 MB further on.
        view.record(server: "p", outcome: .primary(wal: 10_010_000), at: sec(3))
        XCTAssertEqual(view.lag(of: "r1"), 0)
        XCTAssertEqual(pool(at: 3), ["r1", "r2"])
    }

    func testTheReplicasOwnReceivedMinusReplayedGapCountsWhateverTheSchedule() {
        view.record(server: "r1", outcome: .replica(wal: 5_000, received: 9_000), at: sec(0))
        XCTAssertEqual(view.lag(of: "r1"), 4_000, "no primary read before it, the gap alone")
        view.record(server: "p", outcome: .primary(wal: 12_000), at: sec(1))
        view.record(server: "r1", outcome: .replica(wal: 5_000, received: 9_000), at: sec(2))
        XCTAssertEqual(view.lag(of: "r1"), 7_000, "the primary read before it bounds the lag from below")
        XCTAssertEqual(pool(at: 2), [])
    }

    func testAReplicaLeavesAfterFallReadingsOverTheLimitAndComesBackAfterRise() {
        view.followLagLimits(of: reads)
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 9_500, received: 9_500), at: sec(1))
        XCTAssertEqual(pool(at: 1), ["r1"])
        for second in 2...3 {
            view.record(server: "r1", outcome: .replica(wal: 8_000, received: 9_500), at: sec(second))
            XCTAssertEqual(pool(at: second), ["r1"], "\(second - 1) of fall 3 readings over max_lag")
        }
        view.record(server: "r1", outcome: .replica(wal: 8_000, received: 9_500), at: sec(4))
        XCTAssertEqual(pool(at: 4), [])
        view.record(server: "r1", outcome: .replica(wal: 9_500, received: 9_500), at: sec(5))
        XCTAssertEqual(pool(at: 5), [], "1 of rise 2 readings within")
        view.record(server: "r1", outcome: .replica(wal: 9_500, received: 9_500), at: sec(6))
        XCTAssertEqual(pool(at: 6), ["r1"])
    }

    func testLeavingAndComingBackAreEventsButAFirstReadingWithinIsNot() {
        view.followLagLimits(of: reads)
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        let first = view.record(server: "r1", outcome: .replica(wal: 9_500, received: 9_500), at: sec(1))
        XCTAssertFalse(first.contains { if case .freshness = $0.change { true } else { false } })
        let over = CheckOutcome.replica(wal: 8_000, received: 9_500, delay: .milliseconds(1_250), streaming: true)
        view.record(.replica(wal: 8_000, received: 9_500), for: ["r1", "r1"], at: sec(2))
        XCTAssertEqual(
            view.record(server: "r1", outcome: over, at: sec(3)),
            [
                HealthEvent(
                    server: "r1", change: .freshness(listener: "r", from: .up, to: .down),
                    why: "3 readings over the limit: 2000 bytes behind, replay delay 1250ms, streaming",
                    checkDuration: .zero)
            ])
        view.record(server: "r1", outcome: .replica(wal: 10_000, received: 10_000), at: sec(4))
        XCTAssertEqual(
            view.record(server: "r1", outcome: .replica(wal: 10_000, received: 10_000), at: sec(5)).map(\.why),
            ["2 readings within the limit: 0 bytes behind, replay delay unknown, streaming unknown"])
    }

    func testHysteresisIsKeptPerListenerBecauseLimitsDiffer() {
        let strict = listener("strict", .replica, ["r1"], maxLag: .bytes(100))
        let loose = listener("loose", .replica, ["r1"], maxLag: .bytes(10_000))
        view.followLagLimits(of: [strict, loose])
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 10_000, received: 10_000), at: sec(1))
        for second in 2...4 {
            view.record(server: "r1", outcome: .replica(wal: 9_000, received: 10_000), at: sec(second))
        }
        XCTAssertEqual(pool(at: 4, [strict]), [])
        XCTAssertEqual(pool(at: 4, [loose]), ["r1"])
    }

    func testAReloadThatChangesTheLimitJudgesTheLastReadingAtOnce() {
        view.followLagLimits(of: reads)
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 9_500, received: 9_500), at: sec(1))
        XCTAssertEqual(pool(at: 1), ["r1"])
        let stricter = [listener("r", .replica, ["p", "r1", "r2"], maxLag: .bytes(100))]
        view.followLagLimits(of: stricter)
        XCTAssertEqual(pool(at: 1, stricter), [])
    }

    func testADurationLimitsTheReplayDelay() {
        let timed = [listener("t", .replica, ["r1", "r2"], maxLag: .time(.seconds(5)))]
        view.followLagLimits(of: timed)
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 1, delay: .seconds(2)), at: sec(1))
        view.record(server: "r2", outcome: .replica(wal: 1, delay: nil), at: sec(1))
        XCTAssertEqual(pool(at: 1, timed), ["r1"], "bytes do not count; an unknown delay is not within")
        for second in 2...4 {
            view.record(server: "r1", outcome: .replica(wal: 1, delay: .seconds(9)), at: sec(second))
        }
        XCTAssertEqual(pool(at: 4, timed), [])
        XCTAssertEqual(view.replicaLag(of: "r1")?.time, .seconds(9))
    }

    func testALagThatCannotBeMeasuredIsNotWithinTheLimit() {
        view.record(server: "p", outcome: .primary(wal: nil), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: nil), at: sec(1))
        view.record(server: "r2", outcome: .replica(wal: 9_500, lag: 77), at: sec(1))
        XCTAssertNil(view.lag(of: "r1"))
        XCTAssertEqual(view.lag(of: "r2"), 77, "the lag the check reported is the fallback")
        XCTAssertEqual(pool(at: 1), ["r2"])
    }

    func testWithoutAPrimaryLagIsMeasuredAgainstTheMostAdvancedServer() {
        view.followLagLimits(of: reads)
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 9_900, received: 9_900), at: sec(1))
        view.record(server: "r2", outcome: .replica(wal: 2_000, received: 2_000), at: sec(1))
        XCTAssertEqual(pool(at: 1), ["r1"])
        view.record(.refused, for: ["p", "p", "p"], at: sec(2))
        for second in 3...5 {
            view.record(server: "r2", outcome: .replica(wal: 2_000, received: 2_000), at: sec(second))
            view.record(server: "r1", outcome: .replica(wal: 9_900, received: 9_900), at: sec(second))
        }
        XCTAssertEqual(view.routing(for: reads, at: sec(5)).primary, nil)
        XCTAssertEqual(view.lag(of: "r2"), 7_900)
        XCTAssertEqual(view.lag(of: "r1"), 0)
        XCTAssertEqual(pool(at: 5), ["r1"], "a failover does not make the stale replica fresh")
    }

    func testReplicasAtTheSamePositionKeepServingWhileAFailoverHasNoPrimary() {
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(.refused, for: ["p", "p", "p"], at: sec(1))
        view.record(.replica(wal: 9_800, received: 9_800), for: ["r1", "r2"], at: sec(2))
        XCTAssertEqual(pool(at: 2), ["r1", "r2"])
    }

    func testAReplicaReadBeforeThePrimaryAndAheadOfItIsDivergedWhateverTheListener() {
        let unlimited = [listener("u", .replica, ["r1", "r2"])]
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 50_000, received: 50_000, streaming: false), at: sec(1))
        view.record(server: "r2", outcome: .replica(wal: 10_000, received: 10_000, streaming: true), at: sec(1))
        XCTAssertEqual(pool(at: 1, unlimited), ["r1", "r2"], "read after the primary, r1 proves nothing yet")
        XCTAssertEqual(
            view.record(server: "p", outcome: .primary(wal: 10_500), at: sec(2)),
            [
                HealthEvent(
                    server: "r1", change: .divergence(diverged: true), why: "ahead of the primary read after it",
                    checkDuration: .zero)
            ])
        XCTAssertEqual(view.replicaLag(of: "r1")?.ahead, true)
        XCTAssertEqual(pool(at: 2, unlimited), ["r2"])
        // The primary writes past the stuck standby: it stays diverged while it does not stream.
        view.record(server: "r1", outcome: .replica(wal: 50_000, received: 50_000, streaming: false), at: sec(3))
        view.record(server: "p", outcome: .primary(wal: 90_000), at: sec(4))
        XCTAssertEqual(pool(at: 4, unlimited), ["r2"])
        // Rebuilt, it streams from the primary again.
        view.record(server: "r1", outcome: .replica(wal: 89_000, received: 89_000, streaming: true), at: sec(5))
        view.record(server: "p", outcome: .primary(wal: 90_000), at: sec(6))
        XCTAssertEqual(pool(at: 6, unlimited), ["r1", "r2"])
    }

    func testAReplicaOnAnotherTimelineIsDiverged() {
        view.record(server: "p", outcome: .primary(timeline: 3, wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(timeline: 2, wal: 9_000, received: 9_000), at: sec(1))
        view.record(server: "r2", outcome: .replica(timeline: nil, wal: 9_900, received: 9_900), at: sec(1))
        XCTAssertEqual(view.replicaLag(of: "r1")?.otherTimeline, true)
        XCTAssertEqual(pool(at: 1), ["r2"], "an unknown timeline is not judged")
        view.record(server: "r1", outcome: .replica(timeline: 3, wal: 9_900, received: 9_900), at: sec(2))
        XCTAssertEqual(pool(at: 2), ["r1", "r2"])
    }

    func testWithoutAPrimaryTheNewestTimelineIsTheReference() {
        view.record(.refused, for: ["p"], at: sec(0))
        view.record(server: "r1", outcome: .replica(timeline: 1, wal: 90_000, received: 90_000), at: sec(1))
        view.record(server: "r2", outcome: .replica(timeline: 2, wal: 9_000, received: 9_000), at: sec(2))
        view.record(server: "r1", outcome: .replica(timeline: 1, wal: 90_000, received: 90_000), at: sec(3))
        view.record(server: "r2", outcome: .replica(timeline: 2, wal: 9_000, received: 9_000), at: sec(4))
        XCTAssertEqual(view.replicaLag(of: "r1")?.otherTimeline, true)
        XCTAssertEqual(view.replicaLag(of: "r2")?.otherTimeline, false, "nothing newer to follow")
        XCTAssertEqual(pool(at: 4), ["r2"], "far on in WAL, but in a history the cluster left")
    }

    func testRequireStreamingTakesOnlyReplicasThatSayTheyStream() {
        let streamed = [listener("s", .replicaOrPrimary, ["r1", "r2", "p"], requireStreaming: true)]
        view.followLagLimits(of: streamed)
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 10_000, streaming: true), at: sec(1))
        view.record(server: "r2", outcome: .replica(wal: 10_000, streaming: false), at: sec(1))
        XCTAssertEqual(pool(at: 1, streamed), ["r1"])
        view.record(server: "r1", outcome: .replica(wal: 10_000, streaming: nil), at: sec(2))
        XCTAssertEqual(pool(at: 2, streamed), ["r1"], "1 of fall 3 readings that cannot tell")
        view.record(.replica(wal: 10_000, streaming: nil), for: ["r1", "r1"], at: sec(3))
        XCTAssertEqual(pool(at: 3, streamed), ["p"], "no streaming replica left: the primary takes the reads")
    }

    func testAServerWhoseAddressChangesStartsWithoutReadingsAndCounters() {
        view.followLagLimits(of: reads)
        view.record(server: "p", outcome: .primary(wal: 10_000), at: sec(0))
        view.record(.replica(wal: 1, received: 1), for: ["r1", "r2"], at: sec(1))
        XCTAssertEqual(pool(at: 1), [])
        view.reconfigure(servers: [server("p"), server("r1", port: 6432), server("r2")], check: testCheck)
        view.followLagLimits(of: reads)
        XCTAssertNil(view.replicaLag(of: "r1"))
        XCTAssertNotNil(view.replicaLag(of: "r2"), "an unchanged server keeps its reading")
        view.record(server: "r1", outcome: .replica(wal: 9_900, received: 9_900), at: sec(2))
        XCTAssertEqual(pool(at: 2), ["r1"], "a new server's first reading counts as it is")
    }

    func testNoMaxLagMeansNoLimit() {
        view.record(server: "p", outcome: .primary(wal: 10_000_000), at: sec(0))
        view.record(server: "r1", outcome: .replica(wal: 1), at: sec(1))
        XCTAssertEqual(pool(at: 1, [listener("r", .replica, ["r1"])]), ["r1"])
    }

    func testAReplicaPromotedToPrimaryHasNoLagReading() {
        view.record(server: "r1", outcome: .replica(wal: 1, received: 5), at: sec(0))
        XCTAssertNotNil(view.replicaLag(of: "r1"))
        view.record(.primary(wal: 10), for: ["r1", "r1"], at: sec(1))
        XCTAssertEqual(view.health(of: "r1")?.role, .primary)
        XCTAssertNil(view.replicaLag(of: "r1"))
    }
}
