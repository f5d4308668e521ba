import MonotonicTime
@testable import VRRPService
import XCTest

/// The heartbeat's silence and `track_proxy` over a pause of the whole process, on a fake clock.
final class ProxyHeartbeatTests: XCTestCase {
    func testSilenceCountsFromTheOldestUnansweredPing() {
        var heartbeat = ProxyHeartbeat()
        XCTAssertTrue(heartbeat.ping(at: ms(0)))
        heartbeat.answered(at: ms(5))
        XCTAssertEqual(heartbeat.silence(at: ms(150)), .zero, "nothing awaits an answer")
        XCTAssertTrue(heartbeat.ping(at: ms(200)))
        XCTAssertFalse(heartbeat.ping(at: ms(400)), "one ping at a time")
        XCTAssertEqual(heartbeat.silence(at: ms(600)), .milliseconds(400), "since the ping, not the last answer")
        heartbeat.answered(at: ms(5))
        XCTAssertEqual(heartbeat.silence(at: ms(700)), .milliseconds(500), "an older answer answers no new ping")
        heartbeat.answered(at: ms(710))
        XCTAssertEqual(heartbeat.silence(at: ms(800)), .zero)
        heartbeat.restart(at: ms(900))
        XCTAssertTrue(heartbeat.ping(at: ms(1000)), "a restart with no ping awaited awaits none")
    }

    /// Defaults (1 s adverts, track_proxy fault, 700 ms, fall 1): the master's whole process stops for 1.5 s
    /// (SIGSTOP, a VM pause), shorter than the peers' Master_Down_Interval. No peer takes over; on resume the data
    /// plane answers at once, and the VRRP thread's own pause must not count as the proxy's silence.
    func testAPauseOfTheWholeProcessFollowedByAPromptReplyDoesNotFault() {
        var passes = TrackingPasses()
        XCTAssertNil(passes.pass(at: 0))
        passes.heartbeat.answered(at: ms(3))
        XCTAssertNil(passes.pass(at: 200))
        // Stopped at 210; the pass due at 400 runs at 1710.
        XCTAssertNil(passes.pass(at: 1710, late: 1310), "the VRRP thread's own pause is not the proxy's silence")
        passes.heartbeat.answered(at: ms(1712))
        XCTAssertNil(passes.pass(at: 1910))
        XCTAssertNil(passes.pass(at: 2110))
    }

    /// After the same pause a loaded data plane (thousands of sockets all due at once) answers the ping sent
    /// before the stop 400 ms after resume: within the limit of time it could run, so no FAULT.
    func testASlowReplyAfterThePauseDoesNotFault() {
        var passes = TrackingPasses()
        XCTAssertNil(passes.pass(at: 200))
        XCTAssertNil(passes.pass(at: 1710, late: 1310))
        XCTAssertNil(passes.pass(at: 1910), "the silence counts from the resume, not from the ping at 200")
        passes.heartbeat.answered(at: ms(2110))
        XCTAssertNil(passes.pass(at: 2110))
        XCTAssertNil(passes.pass(at: 2310))
    }

    /// A proxy that stays silent after the pause still faults, once silent for the limit after the resume.
    func testAProxyStillSilentAfterThePauseFaults() {
        var passes = TrackingPasses()
        XCTAssertNil(passes.pass(at: 200))
        XCTAssertNil(passes.pass(at: 1710, late: 1310))
        XCTAssertEqual(passes.heartbeat.silence(at: ms(1710 + 700)), .milliseconds(700))
        XCTAssertEqual([1910, 2110, 2310, 2510].map { passes.pass(at: $0) },
                       [nil, nil, nil, "data plane has not answered for 800 ms"])
    }

    /// The data plane stalls while the VRRP thread runs on time: FAULT once the ping is older than the limit.
    func testAStalledDataPlaneFaultsOnceItsPingIsOlderThanTheLimit() {
        var passes = TrackingPasses()
        let reports = stride(from: 0, through: 1000, by: 200).map { passes.pass(at: $0) != nil }
        XCTAssertEqual(reports, [false, false, false, false, true, true], "800 ms after the unanswered ping at 0")
    }
}

/// One instance's tracking passes as `VRRPService.track` makes them, with defaults (700 ms, rise 5, fall 1).
private struct TrackingPasses {
    var heartbeat = ProxyHeartbeat()
    var health = ProxyHealthTracker(silence: .milliseconds(700), rise: 5, fall: 1, period: .milliseconds(200))

    /// A pass at `instant` ms that ran `late` ms past its due time; returns the problem tracked.
    mutating func pass(at instant: Int, late: Int = 0) -> String? {
        let lateness = Duration.milliseconds(late)
        if health.skips(lateness: lateness) { heartbeat.restart(at: ms(instant)) }
        _ = heartbeat.ping(at: ms(instant))
        return health.observe(
            ProxyObservation(silence: heartbeat.silence(at: ms(instant)), loopLateness: lateness), at: ms(instant))
    }
}
