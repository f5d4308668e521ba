import MonotonicTime
import VRRPCore
import XCTest

/// keepalived's `garp_lower_prio_repeat` / `garp_lower_prio_delay`: a master that hears a lower-priority master
/// answers and announces the addresses at once, then once more after the delay.
final class VirtualRouterLowerMasterTests: XCTestCase {
    private func lowerMasterSettings(frames: Int = 5, delay: Duration = .seconds(5)) -> VRRPInstanceSettings {
        var lower = settings(priority: 100)
        lower.lowerPriorityGratuitousRepeat = frames
        lower.lowerPriorityGratuitousDelay = delay
        return lower
    }

    func testTheDefaultsAreKeepalivedsFiveFramesAndFiveSeconds() {
        XCTAssertEqual(settings().lowerPriorityGratuitousRepeat, 5)
        XCTAssertEqual(settings().lowerPriorityGratuitousDelay, .seconds(5))
    }

    func testALosingAdvertIsAnsweredThenTheAddressesAreAnnounced() {
        var (router, _) = masterRouter(lowerMasterSettings(frames: 3))
        let actions = router.received(advert(priority: 50), from: higherPeer, at: ms(4000))
        XCTAssertEqual(
            actions.effects, [.sendAdvert(priority: 100), .reannounce([virtualAddress.address], frames: 3)])
        XCTAssertEqual(actions.armed(.lowerPriorityGratuitous)?.deadline, ms(9000))
        XCTAssertEqual(router.state, .master)
    }

    func testEqualPriorityFromALowerAddressIsALowerMasterToo() {
        var (router, _) = masterRouter(lowerMasterSettings())
        let actions = router.received(advert(priority: 100), from: lowerPeer, at: ms(4000))
        XCTAssertEqual(actions.effects, [.sendAdvert(priority: 100), .reannounce([virtualAddress.address], frames: 5)])
    }

    func testTheDelayedBurstFiresOnceAndEachLosingAdvertPostponesIt() {
        var (router, _) = masterRouter(lowerMasterSettings())
        let first = router.received(advert(priority: 50), from: higherPeer, at: ms(4000))
        let second = router.received(advert(priority: 50), from: higherPeer, at: ms(5000))
        guard let stale = first.armed(.lowerPriorityGratuitous), let live = second.armed(.lowerPriorityGratuitous)
        else { return XCTFail("no delayed burst armed") }
        XCTAssertEqual(router.timerFired(stale.timer, at: stale.deadline), [], "replaced by the later advert's")
        XCTAssertEqual(live.deadline, ms(10_000))
        XCTAssertEqual(
            router.timerFired(live.timer, at: live.deadline), [.reannounce([virtualAddress.address], frames: 5)])
        XCTAssertEqual(router.timerFired(live.timer, at: live.deadline), [], "only once")
    }

    func testAMasterThatLosesBeforeTheDelayDoesNotAnnounce() {
        var (router, _) = masterRouter(lowerMasterSettings())
        let actions = router.received(advert(priority: 50), from: higherPeer, at: ms(4000))
        _ = router.received(advert(priority: 200), from: higherPeer, at: ms(4500))
        XCTAssertEqual(router.state, .backup)
        guard let delayed = actions.armed(.lowerPriorityGratuitous) else { return XCTFail("no delayed burst") }
        XCTAssertEqual(router.timerFired(delayed.timer, at: delayed.deadline), [])
    }

    func testZeroDelaySendsOneBurstAndZeroFramesSendNothing() {
        var (once, _) = masterRouter(lowerMasterSettings(delay: .zero))
        let single = once.received(advert(priority: 50), from: higherPeer, at: ms(4000))
        XCTAssertEqual(single.effects, [.sendAdvert(priority: 100), .reannounce([virtualAddress.address], frames: 5)])
        XCTAssertEqual(single.armedKinds, [])

        var (silent, _) = masterRouter(lowerMasterSettings(frames: 0))
        XCTAssertEqual(
            silent.received(advert(priority: 50), from: higherPeer, at: ms(4000)), [.sendAdvert(priority: 100)],
            "garp_lower_prio_repeat 0 turns it off, delay or not")
    }

    func testNegativeValuesAreProblems() {
        let bad = lowerMasterSettings(frames: -1, delay: .seconds(-1))
        XCTAssertEqual(bad.problems, [.negativeDelay(.seconds(-1)), .negativeGratuitousRepeat(-1)])
    }

    /// keepalived's `higher_prio_send_advert`: the yielding master advertises once before it releases.
    func testAYieldingMasterAdvertisesOnceMoreWhenAsked() {
        var asked = settings(priority: 100)
        asked.advertBeforeYielding = true
        var (router, _) = masterRouter(asked)
        let actions = router.received(advert(priority: 200), from: higherPeer, at: ms(4000))
        XCTAssertEqual(router.state, .backup)
        XCTAssertEqual(
            actions.effects,
            [
                .sendAdvert(priority: 100), .removeVIPs([virtualAddress]),
                .stateChanged(from: .master, to: .backup, why: .preempted),
            ])

        var (quiet, _) = masterRouter(settings(priority: 100))
        XCTAssertEqual(
            quiet.received(advert(priority: 200), from: higherPeer, at: ms(4000)).effects.first,
            .removeVIPs([virtualAddress]), "off by default, as in keepalived")
    }
}
