import MonotonicTime
@testable import VRRPService
import XCTest

/// `track_proxy` rise/fall over heartbeat silences, on a fake clock with the 200 ms tracking period.
final class ProxyHealthTrackerTests: XCTestCase {
    private let stalled = ProxyObservation(silence: .milliseconds(900))
    private let answering = ProxyObservation(silence: .milliseconds(150))

    private func tracker(rise: Int = 5, fall: Int = 1) -> ProxyHealthTracker {
        ProxyHealthTracker(silence: .milliseconds(700), rise: rise, fall: fall, period: .milliseconds(200))
    }

    /// Feeds `observations` one tracking period apart from `start` ms; returns what was reported after each.
    private func feed(
        _ tracker: inout ProxyHealthTracker, _ observations: [ProxyObservation], from start: Int = 0
    ) -> [String?] {
        observations.enumerated().map { index, observation in
            tracker.observe(observation, at: ms(start + 200 * index))
        }
    }

    func testASilenceLongerThanTheLimitIsAProblemAndAShorterOneIsNot() {
        var health = tracker()
        XCTAssertNil(health.observe(ProxyObservation(silence: .milliseconds(700)), at: ms(0)), "700 ms is the limit")
        XCTAssertEqual(health.observe(stalled, at: ms(200)), "data plane has not answered for 900 ms")
    }

    func testRecoveryNeedsRiseGoodObservationsInARow() {
        var health = tracker(rise: 5)
        let reports = feed(&health, [answering, stalled] + Array(repeating: answering, count: 5))
        XCTAssertEqual(reports.map { $0 != nil }, [false, true, true, true, true, true, false])
        XCTAssertEqual(reports[5], "data plane has not answered for 900 ms", "the last problem while recovering")
    }

    /// The ping-pong this prevents: a proxy that stalls for one observation in every four stays failed.
    func testIntermittentStallsDoNotFlap() {
        var health = tracker(rise: 5)
        let pattern = [stalled, answering, answering, answering]
        let reports = feed(&health, Array(repeating: pattern, count: 5).flatMap { $0 })
        XCTAssertEqual(reports.filter { $0 == nil }.count, 0, "failed from the first stall on, never recovered")
    }

    func testFallCountsBadObservationsInARow() {
        var health = tracker(rise: 1, fall: 3)
        let reports = feed(&health, [answering, stalled, stalled, answering, stalled, stalled, stalled])
        XCTAssertEqual(reports.map { $0 != nil }, [false, false, false, false, false, false, true])
    }

    func testADirectProblemCountsLikeASilence() {
        var health = tracker(rise: 2)
        let unbound = ProxyObservation(silence: .zero, problem: "listener pg cannot bind 10.0.0.100:5432")
        XCTAssertEqual(feed(&health, [unbound, answering, answering]),
                       ["listener pg cannot bind 10.0.0.100:5432", "listener pg cannot bind 10.0.0.100:5432", nil])
    }

    /// Other inputs trigger extra tracking passes between periodic ones; they must not count towards rise.
    func testObservationsSoonerThanAPeriodAreNotCounted() {
        var health = tracker(rise: 2)
        XCTAssertNotNil(health.observe(stalled, at: ms(0)))
        XCTAssertNotNil(health.observe(answering, at: ms(200)))
        XCTAssertNotNil(health.observe(answering, at: ms(250)), "50 ms later: not counted")
        XCTAssertNotNil(health.observe(answering, at: ms(399)), "199 ms later: not counted")
        XCTAssertNil(health.observe(answering, at: ms(400)))
    }

    func testTheFirstObservationCountsAsItIs() {
        var health = tracker(rise: 5, fall: 3)
        XCTAssertNotNil(health.observe(stalled, at: ms(0)), "no fall to wait for before anything was seen")
    }
}
