import MonotonicTime
import NetTypes
import VRRPCore
import XCTest

/// A master leaving by shutdown or handover keeps its addresses, advertising priority 0, until a new master has
/// announced them (its second advert) or Master_Down_Interval has passed, so that no client's SYN reaches it after
/// the VIP is gone.
final class VirtualRouterReleaseTests: XCTestCase {
    /// What a master stopping at shutdown does when it lets go of its addresses.
    private let letGoAtShutdown: [VRRPAction] = [
        .removeVIPs([virtualAddress]), .stateChanged(from: .master, to: .initialize, why: .shutdown),
    ]

    /// A master at 1 s adverts, priority 100, that began to shut down at 4 s.
    private func releasingRouter() -> (router: VirtualRouter, actions: [VRRPAction]) {
        var (router, _) = masterRouter(settings(priority: 100))
        let actions = router.shutdown(at: ms(4000))
        return (router, actions)
    }

    /// A fault (the interface, tracking) while the stopping master releases: the router stops there, in
    /// `initialize`, so that the stop is reported (notify_stop) before the VRRP thread ends.
    func testAFaultWhileReleasingAtShutdownEndsInInitialize() {
        var (router, _) = releasingRouter()
        XCTAssertEqual(
            router.setFault(true, at: ms(4500)),
            [.sendAdvert(priority: 0), .removeVIPs([virtualAddress]),
             .stateChanged(from: .master, to: .initialize, why: .shutdown)])
        XCTAssertEqual(router.state, .initialize)
        XCTAssertFalse(router.isReleasing)
        XCTAssertEqual(router.setFault(false, at: ms(5000)), [], "a stopped router stays stopped")
        XCTAssertEqual(router.received(advert(priority: 0), from: lowerPeer, at: ms(5100)), [])
    }

    func testShutdownResignsButKeepsTheAddresses() {
        let (router, actions) = releasingRouter()
        XCTAssertEqual(actions.effects, [.sendAdvert(priority: 0)], "no removeVIPs, no state change yet")
        XCTAssertEqual(actions.armedKinds, [.advert, .release])
        XCTAssertEqual(actions.armed(.release)?.deadline, ns(7_609_375_000), "4 s + Master_Down_Interval")
        XCTAssertEqual(router.state, .master)
        XCTAssertTrue(router.isReleasing)
        XCTAssertFalse(router.announcesAddresses)
    }

    func testAReleasingMasterResignsAgainEveryAdvertInterval() {
        var (router, actions) = releasingRouter()
        guard let advertTimer = actions.armed(.advert) else { return XCTFail("no Adver_Timer") }
        XCTAssertEqual(advertTimer.deadline, ms(5000))
        let again = router.timerFired(advertTimer.timer, at: advertTimer.deadline)
        XCTAssertEqual(again.effects, [.sendAdvert(priority: 0)], "one lost priority 0 must not cost 3 intervals")
        XCTAssertEqual(again.armed(.advert)?.deadline, ms(6000))
    }

    func testTheNewMastersSecondAdvertReleasesTheAddresses() {
        var (router, actions) = releasingRouter()
        XCTAssertEqual(router.received(advert(priority: 0), from: higherPeer, at: ms(4010)), [],
                       "another router resigning is no new master")
        let first = router.received(advert(priority: 90), from: lowerPeer, at: ms(4070))
        XCTAssertEqual(first.effects, [], "its addresses are not announced yet")
        XCTAssertEqual(first.armed(.release)?.deadline, ms(4170), "100 ms at most")
        XCTAssertTrue(router.isReleasing)
        XCTAssertEqual(router.received(advert(priority: 90), from: lowerPeer, at: ms(4074)), letGoAtShutdown)
        XCTAssertEqual(router.state, .initialize)
        XCTAssertFalse(router.isReleasing)
        guard let bound = actions.armed(.release) else { return XCTFail("no release timer") }
        XCTAssertEqual(router.timerFired(bound.timer, at: bound.deadline), [], "the bound is stale")
    }

    /// Two backups with equal priorities take over at once: each one's first advert comes before its announcement.
    func testAnotherSuccessorsFirstAdvertIsNotTheSecondAdvert() {
        var (router, _) = releasingRouter()
        XCTAssertEqual(router.received(advert(priority: 90), from: lowerPeer, at: ms(4070)).effects, [])
        XCTAssertEqual(router.received(advert(priority: 90), from: higherPeer, at: ms(4070)), [])
        XCTAssertTrue(router.isReleasing)
        XCTAssertEqual(router.received(advert(priority: 90), from: higherPeer, at: ms(4074)), letGoAtShutdown)
    }

    /// Of two successors, the one heard first resigns (its VIP add failed): the other still stands, so nothing
    /// starts over (no timer re-armed, no priority 0), and the wait the first one started still ends the release.
    func testOneOfTwoSuccessorsResigningLeavesTheOtherStanding() {
        var (router, _) = releasingRouter()
        let first = router.received(advert(priority: 90), from: lowerPeer, at: ms(4070))
        XCTAssertEqual(router.received(advert(priority: 90), from: higherPeer, at: ms(4072)), [])
        XCTAssertEqual(router.received(advert(priority: 0), from: lowerPeer, at: ms(4080)), [])
        XCTAssertTrue(router.isReleasing)
        guard let wait = first.armed(.release) else { return XCTFail("no wait after the first advert") }
        XCTAssertEqual(router.timerFired(wait.timer, at: wait.deadline), letGoAtShutdown)
    }

    /// keepalived sends no second advert at a takeover (its next one comes an interval later) but announces within
    /// milliseconds of its first; both nodes answer ARP for the VIP until this one lets go.
    func testWithoutASecondAdvertTheAddressesGo100msAfterTheFirst() {
        var (router, _) = releasingRouter()
        let first = router.received(advert(priority: 90), from: lowerPeer, at: ms(4070))
        guard let bound = first.armed(.release) else { return XCTFail("no release timer") }
        XCTAssertEqual(router.timerFired(bound.timer, at: bound.deadline), letGoAtShutdown)
    }

    /// The daemon's wait at shutdown counts on Master_Down_Interval: a first advert heard late does not stretch it.
    func testAFirstAdvertNearTheBoundDoesNotStretchIt() {
        var (router, _) = releasingRouter()
        let first = router.received(advert(priority: 90), from: lowerPeer, at: ms(7550))
        XCTAssertEqual(first.armed(.release)?.deadline, ns(7_609_375_000))
    }

    /// Priority 0 from a node that is no longer master would cut the other backups' Master_Down_Timer to
    /// Skew_Time, and the new master's next advert may be most of an interval away.
    func testNoPriorityZeroOnceANewMasterSpoke() {
        var (router, actions) = releasingRouter()
        _ = router.received(advert(priority: 90), from: lowerPeer, at: ms(4070))
        guard let advertTimer = actions.armed(.advert) else { return XCTFail("no Adver_Timer") }
        XCTAssertEqual(router.timerFired(advertTimer.timer, at: advertTimer.deadline), [])
        XCTAssertEqual(
            router.setFault(true, at: ms(5010)), letGoAtShutdown,
            "a fault lets go at once, without resigning again")
    }

    /// The new master faulted (its VIP add failed) and resigned: nobody announced the addresses, so this node
    /// keeps them, resigns again every interval, and waits for another master as if none had spoken.
    func testANewMasterThatResignsAtOnceIsWaitedOutAgain() {
        var (router, _) = releasingRouter()
        _ = router.received(advert(priority: 90), from: lowerPeer, at: ms(4070))
        XCTAssertEqual(router.received(advert(priority: 0), from: higherPeer, at: ms(4071)), [], "not the new one")
        let resigned = router.received(advert(priority: 0), from: lowerPeer, at: ms(4072))
        XCTAssertEqual(resigned.effects, [])
        XCTAssertEqual(resigned.armed(.release)?.deadline, ns(7_609_375_000), "still 4 s + Master_Down_Interval")
        guard let advertTimer = resigned.armed(.advert) else { return XCTFail("no Adver_Timer") }
        XCTAssertEqual(router.timerFired(advertTimer.timer, at: advertTimer.deadline).effects,
                       [.sendAdvert(priority: 0)])
        XCTAssertEqual(router.received(advert(priority: 80), from: higherPeer, at: ms(5100)).effects, [])
        XCTAssertEqual(router.received(advert(priority: 80), from: higherPeer, at: ms(5103)), letGoAtShutdown)
    }

    /// A master that took over from a VRRPv3 peer advertising a longer interval releases within its own
    /// Master_Down_Interval: the daemon waits for that long before it closes the listeners.
    func testTheReleaseBoundUsesTheMastersOwnIntervalNotAFormerPeers() {
        var router = VirtualRouter(settings: settings(priority: 100))
        _ = router.start(at: ms(0))
        _ = router.received(advert(priority: 200, centiseconds: 300), from: higherPeer, at: ms(100))
        XCTAssertEqual(router.masterAdvertInterval, .seconds(3))
        let resigned = router.received(advert(priority: 0, centiseconds: 300), from: higherPeer, at: ms(1000))
        guard let masterDown = resigned.armed(.masterDown) else { return XCTFail("no Master_Down_Timer") }
        _ = router.timerFired(masterDown.timer, at: masterDown.deadline)
        XCTAssertEqual(router.state, .master)
        XCTAssertEqual(router.masterAdvertInterval, .seconds(1))
        let release = router.shutdown(at: ms(5000))
        XCTAssertEqual(release.armed(.release)?.deadline, ns(8_609_375_000), "5 s + 3 x 1 s + Skew_Time")
    }

    func testWithoutABackupTheAddressesGoAfterMasterDownInterval() {
        var (router, actions) = releasingRouter()
        guard let bound = actions.armed(.release) else { return XCTFail("no release timer") }
        XCTAssertEqual(router.timerFired(bound.timer, at: bound.deadline), letGoAtShutdown)
        XCTAssertFalse(router.isReleasing)
    }

    func testNoGratuitousRepeatWhileReleasing() {
        var (router, takeover) = masterRouter(settings(priority: 100))
        guard let repeatTimer = takeover.armed(.gratuitousRepeat) else { return XCTFail("no gratuitous repeat") }
        _ = router.shutdown(at: ms(4000))
        XCTAssertEqual(router.timerFired(repeatTimer.timer, at: repeatTimer.deadline), [])
    }

    func testHandoverReleasesTowardsAdministrativeBackup() {
        var (router, _) = masterRouter(settings(priority: 100))
        let actions = router.handover(at: ms(4000))
        XCTAssertEqual(actions.effects, [.sendAdvert(priority: 0)])
        XCTAssertEqual(router.administrativeMode, .backup)
        XCTAssertEqual(router.received(advert(priority: 90), from: lowerPeer, at: ms(4070)).effects, [])
        let released = router.received(advert(priority: 90), from: lowerPeer, at: ms(4073))
        XCTAssertEqual(
            released,
            [.removeVIPs([virtualAddress]), .stateChanged(from: .master, to: .backup, why: .administrativeBackup)],
            "no Master_Down_Timer in administrative backup")
        XCTAssertEqual(router.received(advert(priority: 0), from: lowerPeer, at: ms(5000)), [], "never takes over")
    }

    func testShutdownDuringAHandoverEndsInInitialize() {
        var (router, _) = masterRouter(settings(priority: 100))
        _ = router.handover(at: ms(4000))
        XCTAssertEqual(router.shutdown(at: ms(4010)), [], "already resigned")
        _ = router.received(advert(priority: 90), from: lowerPeer, at: ms(4070))
        XCTAssertEqual(router.shutdown(at: ms(4071)), [], "the new master heard is kept")
        XCTAssertEqual(router.received(advert(priority: 90), from: lowerPeer, at: ms(4073)), letGoAtShutdown)
    }

    func testResumeBeforeANewMasterSpokeCarriesOnAsMaster() {
        var (router, _) = masterRouter(settings(priority: 100))
        _ = router.handover(at: ms(4000))
        let resumed = router.resume(at: ms(4020))
        XCTAssertEqual(resumed.effects, [.sendAdvert(priority: 100)])
        XCTAssertEqual(resumed.armedKinds, [.advert])
        XCTAssertEqual(router.state, .master)
        XCTAssertFalse(router.isReleasing)
        XCTAssertTrue(router.announcesAddresses)
        XCTAssertEqual(
            router.received(advert(priority: 90), from: lowerPeer, at: ms(4100)).effects,
            [.sendAdvert(priority: 100), .reannounce([virtualAddress.address], frames: 5)],
            "an ordinary master again: a lower one is answered and the addresses announced")
    }

    /// The other router has taken over: carrying on would make two masters.
    func testResumeAfterANewMasterSpokeGoesOnReleasing() {
        var (router, _) = masterRouter(settings(priority: 100))
        _ = router.handover(at: ms(4000))
        _ = router.received(advert(priority: 90), from: lowerPeer, at: ms(4070))
        XCTAssertEqual(router.resume(at: ms(4071)), [])
        XCTAssertTrue(router.isReleasing)
        let released = router.received(advert(priority: 90), from: lowerPeer, at: ms(4073))
        XCTAssertEqual(
            released.effects,
            [.removeVIPs([virtualAddress]), .stateChanged(from: .master, to: .backup, why: .administrativeBackup)])
        XCTAssertEqual(released.armedKinds, [.masterDown], "back in the election")
    }

    func testResumeDoesNotUndoAShutdown() {
        var (router, _) = releasingRouter()
        XCTAssertEqual(router.resume(at: ms(4020)), [])
        XCTAssertTrue(router.isReleasing)
    }

    /// A handover (not a stop) interrupted by a fault: the addresses go at once, into FAULT.
    func testAFaultWhileReleasingAHandoverLetsGoAtOnce() {
        var (router, _) = masterRouter(settings(priority: 100))
        _ = router.handover(at: ms(4000))
        XCTAssertTrue(router.isReleasing)
        XCTAssertEqual(
            router.setFault(true, at: ms(4050)),
            [
                .sendAdvert(priority: 0), .removeVIPs([virtualAddress]),
                .stateChanged(from: .master, to: .fault, why: .faultRaised),
            ])
        XCTAssertFalse(router.isReleasing)
    }

    func testABackupThatFaultsAfterStoppingStaysInInitialize() {
        var router = VirtualRouter(settings: settings(priority: 100))
        _ = router.start(at: ms(0))
        _ = router.shutdown(at: ms(100))
        XCTAssertEqual(router.setFault(true, at: ms(200)), [])
        XCTAssertEqual(router.setFault(false, at: ms(300)), [])
        XCTAssertEqual(router.state, .initialize)
    }

    func testABackupStopsAtOnce() {
        var router = VirtualRouter(settings: settings(priority: 100))
        _ = router.start(at: ms(0))
        XCTAssertEqual(router.shutdown(at: ms(100)), [.stateChanged(from: .backup, to: .initialize, why: .shutdown)])
        XCTAssertFalse(router.isReleasing)
    }
}
