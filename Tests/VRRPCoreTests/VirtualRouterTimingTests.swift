import MonotonicTime
import VRRPCore
import XCTest

/// Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time, with the skew of each version.
final class VirtualRouterTimingTests: XCTestCase {
    private func masterDownDeadline(_ settings: VRRPInstanceSettings) -> MonotonicInstant? {
        var router = VirtualRouter(settings: settings)
        return router.start(at: ms(0)).armed(.masterDown)?.deadline
    }

    /// RFC 5798 6.1: Skew_Time = (256 - 100) * 1 s / 256 = 609.375 ms.
    func testVersion3SkewScalesTheMasterInterval() {
        XCTAssertEqual(masterDownDeadline(settings(priority: 100)), ns(3_609_375_000))
    }

    /// RFC 3768 6.1: Skew_Time = (256 - 100) / 256 s whatever the interval, so 3 s adverts give 9.609375 s.
    func testVersion2SkewIgnoresTheInterval() {
        XCTAssertEqual(masterDownDeadline(settings(version: .v2, interval: .seconds(3))), ns(9_609_375_000))
    }

    /// 100 ms adverts: 300 ms + 156 * 100 ms / 256 = 360.9375 ms, and a higher priority still times out first.
    func testSubSecondVersion3IntervalsKeepDistinctSkews() {
        XCTAssertEqual(masterDownDeadline(settings(priority: 100, interval: .milliseconds(100))), ns(360_937_500))
        XCTAssertEqual(masterDownDeadline(settings(priority: 200, interval: .milliseconds(100))), ns(321_875_000))
        XCTAssertEqual(masterDownDeadline(settings(priority: 253, interval: .milliseconds(100))), ns(301_171_875))
        XCTAssertEqual(masterDownDeadline(settings(priority: 254, interval: .milliseconds(100))), ns(300_781_250))
    }

    func testTheSkewUsesTheEffectivePriority() {
        var router = VirtualRouter(settings: settings(priority: 200))
        _ = router.setPriorityAdjustment(-100, at: ms(0))
        XCTAssertEqual(router.skewTime, .nanoseconds(609_375_000))
        XCTAssertEqual(router.masterDownInterval, .nanoseconds(3_609_375_000))
    }

    // MARK: - Rescaling a running Master_Down_Timer

    /// Priority 200 at 1 s adverts: 3 s + 56/256 s. Dropped to 100 by tracking: 3 s + 156/256 s, counted from the
    /// advert that started the timer, not from the change.
    func testABackupsRunningMasterDownTimerFollowsItsNewPriority() {
        var router = VirtualRouter(settings: settings(priority: 200))
        _ = router.start(at: ms(0))
        let heard = router.received(advert(priority: 250), from: higherPeer, at: ms(1000))
        guard let first = heard.armed(.masterDown) else { return XCTFail("no Master_Down_Timer") }
        XCTAssertEqual(first.deadline, ns(4_218_750_000))
        let lowered = router.setPriorityAdjustment(-100, at: ms(2000))
        XCTAssertEqual(lowered.armed(.masterDown)?.deadline, ns(4_609_375_000))
        XCTAssertEqual(lowered.effects, [], "only the timer moves")
        XCTAssertEqual(router.timerFired(first.timer, at: first.deadline), [], "the old arming is stale")
        let restored = router.setPriorityAdjustment(0, at: ms(2500))
        XCTAssertEqual(restored.armed(.masterDown)?.deadline, ns(4_218_750_000))
    }

    /// Entering backup starts the timer too: with no advert heard yet, it counts from the entry.
    func testTheRescaledTimerCountsFromEnteringBackup() {
        var router = VirtualRouter(settings: settings(priority: 200))
        _ = router.start(at: ms(500))
        let lowered = router.setPriorityAdjustment(-100, at: ms(1000))
        XCTAssertEqual(lowered.armed(.masterDown)?.deadline, ns(500_000_000 + 3_609_375_000))
    }

    /// After a priority-0 advert the timer runs for Skew_Time alone, and is rescaled as Skew_Time.
    func testAResignationsSkewTimerIsRescaledAsSkew() {
        var router = VirtualRouter(settings: settings(priority: 200))
        _ = router.start(at: ms(0))
        XCTAssertEqual(
            router.received(advert(priority: 0), from: higherPeer, at: ms(1000)).armed(.masterDown)?.deadline,
            ns(1_218_750_000))
        XCTAssertEqual(
            router.setPriorityAdjustment(-100, at: ms(1100)).armed(.masterDown)?.deadline, ns(1_609_375_000))
    }

    func testNoTimerMovesWhenNoneRunsOrThePriorityStays() {
        var (master, _) = masterRouter(settings(priority: 200))
        XCTAssertEqual(master.setPriorityAdjustment(-100, at: ms(5000)), [], "a master has no Master_Down_Timer")
        var backup = VirtualRouter(settings: settings(priority: 200))
        _ = backup.start(at: ms(0))
        XCTAssertEqual(backup.setPriorityAdjustment(0, at: ms(100)), [], "same priority")
        _ = backup.handover(at: ms(200))
        XCTAssertEqual(backup.setPriorityAdjustment(-100, at: ms(300)), [], "held in backup: no timer runs")
        var owner = VirtualRouter(settings: settings(priority: 255))
        XCTAssertEqual(owner.setPriorityAdjustment(-100, at: ms(0)), [])
    }
}
