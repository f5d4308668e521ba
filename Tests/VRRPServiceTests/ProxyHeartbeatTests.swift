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
    }

    /// Defaults (1 s adverts, track_proxy fault, 700 ms, fall 1): the master's whole process stops for 1.5 s
    /// (SIGSTOP, a VM pause), shorter than the peers' Master_Down_Interval. No peer takes over; on resume the data
    /// plane answers at once, and the VRRP thread's own pause must not count as the proxy's silence.
    func testAPauseOfTheWholeProcessFollowedByAPromptReplyDoesNotFault() {
        var heartbeat = ProxyHeartbeat()
        var health = ProxyHealthTracker(silence: .milliseconds(700), rise: 5, fall: 1, period: .milliseconds(200))
        func pass(at instant: Int, late: Int = 0) -> String? {
            _ = heartbeat.ping(at: ms(instant))
            return health.observe(
                ProxyObservation(silence: heartbeat.silence(at: ms(instant)), loopLateness: .milliseconds(late)),
                at: ms(instant))
        }
        XCTAssertNil(pass(at: 0))
        heartbeat.answered(at: ms(3))
        XCTAssertNil(pass(at: 200))
        // Stopped at 210; the pass due at 400 runs at 1710.
        XCTAssertNil(pass(at: 1710, late: 1310), "the VRRP thread's own pause is not the proxy's silence")
        heartbeat.answered(at: ms(1712))
        XCTAssertNil(pass(at: 1910))
        XCTAssertNil(pass(at: 2110))
    }

    /// A proxy that stays silent after the pause still faults, on the first pass that runs on time.
    func testAProxyStillSilentAfterThePauseFaults() {
        var heartbeat = ProxyHeartbeat()
        var health = ProxyHealthTracker(silence: .milliseconds(700), rise: 5, fall: 1, period: .milliseconds(200))
        func pass(at instant: Int, late: Int = 0) -> String? {
            _ = heartbeat.ping(at: ms(instant))
            return health.observe(
                ProxyObservation(silence: heartbeat.silence(at: ms(instant)), loopLateness: .milliseconds(late)),
                at: ms(instant))
        }
        XCTAssertNil(pass(at: 200))
        XCTAssertNil(pass(at: 1710, late: 1310))
        XCTAssertEqual(pass(at: 1910), "data plane has not answered for 1710 ms")
    }

    /// The data plane stalls while the VRRP thread runs on time: FAULT once the ping is older than the limit.
    func testAStalledDataPlaneFaultsOnceItsPingIsOlderThanTheLimit() {
        var heartbeat = ProxyHeartbeat()
        var health = ProxyHealthTracker(silence: .milliseconds(700), rise: 5, fall: 1, period: .milliseconds(200))
        var reports: [Bool] = []
        for instant in stride(from: 0, through: 1000, by: 200) {
            _ = heartbeat.ping(at: ms(instant))
            reports.append(health.observe(ProxyObservation(silence: heartbeat.silence(at: ms(instant))),
                                          at: ms(instant)) != nil)
        }
        XCTAssertEqual(reports, [false, false, false, false, true, true], "800 ms after the unanswered ping at 0")
    }
}
