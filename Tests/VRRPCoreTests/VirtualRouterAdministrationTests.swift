import MonotonicTime
import NetTypes
import VRRPCore
import XCTest

/// Tracking, fault and operator commands.
final class VirtualRouterAdministrationTests: XCTestCase {
    // MARK: - Effective priority

    func testTheNextAdvertCarriesTheAdjustedPriority() {
        var (router, actions) = masterRouter(settings(priority: 100))
        _ = router.setPriorityAdjustment(-30, at: ms(4000))
        XCTAssertEqual(router.effectivePriority, 70)
        guard let advertTimer = actions.armed(.advert) else { return XCTFail("no Adver_Timer") }
        XCTAssertEqual(
            router.timerFired(advertTimer.timer, at: advertTimer.deadline).effects, [.sendAdvert(priority: 70)])
    }

    func testAnAdjustedPriorityStaysWithinOneTo254() {
        var router = VirtualRouter(settings: settings(priority: 250))
        _ = router.setPriorityAdjustment(10, at: ms(0))
        XCTAssertEqual(router.effectivePriority, 254, "tracking never makes a router the address owner")
        _ = router.setPriorityAdjustment(-500, at: ms(0))
        XCTAssertEqual(router.effectivePriority, 1)
        _ = router.setPriorityAdjustment(0, at: ms(0))
        XCTAssertEqual(router.effectivePriority, 250)
    }

    /// keepalived never changes the priority of the address owner (RFC 5798 5.2.4), whatever tracking says.
    func testTrackingNeverChangesTheOwnersPriority() {
        var router = VirtualRouter(settings: settings(priority: 255))
        for adjustment in [-10, 10, -500] {
            _ = router.setPriorityAdjustment(adjustment, at: ms(0))
            XCTAssertEqual(router.effectivePriority, 255, "adjustment \(adjustment)")
        }
    }

    func testTheElectionComparesTheEffectivePriority() {
        var router = VirtualRouter(settings: settings(priority: 150))
        _ = router.start(at: ms(0))
        _ = router.setPriorityAdjustment(-60, at: ms(0))
        XCTAssertEqual(
            router.received(advert(priority: 100), from: higherPeer, at: ms(1000)).armedKinds, [.masterDown],
            "a tracked-down backup no longer preempts a priority 100 master")
    }

    func testAnOwnerWithTrackingStillStartsAsMaster() {
        var router = VirtualRouter(settings: settings(priority: 255))
        _ = router.setPriorityAdjustment(-1, at: ms(0))
        _ = router.start(at: ms(0))
        XCTAssertEqual(router.state, .master)
    }

    // MARK: - Fault

    func testAFaultWhileMasterResignsAndReleasesTheAddresses() {
        var (router, actions) = masterRouter(settings(priority: 100))
        XCTAssertEqual(
            router.setFault(true, at: ms(4000)),
            [
                .sendAdvert(priority: 0), .removeVIPs([virtualAddress]),
                .stateChanged(from: .master, to: .fault, why: .faultRaised),
            ])
        guard let advertTimer = actions.armed(.advert) else { return XCTFail("no Adver_Timer") }
        XCTAssertEqual(router.timerFired(advertTimer.timer, at: advertTimer.deadline), [])
    }

    func testAFaultedRouterIgnoresAdverts() {
        var router = VirtualRouter(settings: settings(priority: 100))
        _ = router.start(at: ms(0))
        XCTAssertEqual(
            router.setFault(true, at: ms(100)), [.stateChanged(from: .backup, to: .fault, why: .faultRaised)])
        XCTAssertEqual(router.received(advert(priority: 0), from: higherPeer, at: ms(200)), [])
        XCTAssertEqual(router.setFault(true, at: ms(300)), [], "no change")
    }

    func testAClearedFaultStartsOverAsBackupWithItsOwnInterval() {
        var router = VirtualRouter(settings: settings(priority: 100))
        _ = router.start(at: ms(0))
        _ = router.received(advert(priority: 150, centiseconds: 200), from: higherPeer, at: ms(50))
        _ = router.setFault(true, at: ms(100))
        let actions = router.setFault(false, at: ms(1000))
        XCTAssertEqual(actions.effects, [.stateChanged(from: .fault, to: .backup, why: .faultCleared)])
        XCTAssertEqual(actions.armed(.masterDown)?.deadline, ns(4_609_375_000))
    }

    func testAClearedFaultMakesTheOwnerMasterAtOnce() {
        var router = VirtualRouter(settings: settings(priority: 255))
        _ = router.start(at: ms(0))
        _ = router.setFault(true, at: ms(100))
        XCTAssertEqual(
            router.setFault(false, at: ms(1000)).effects,
            becomingMaster(priority: 255, from: .fault, why: .addressOwner))
    }

    func testStartingOnAFaultedLinkEntersFault() {
        var router = VirtualRouter(settings: settings(priority: 255))
        XCTAssertEqual(router.setFault(true, at: ms(0)), [])
        XCTAssertEqual(router.start(at: ms(10)), [.stateChanged(from: .initialize, to: .fault, why: .faultRaised)])
    }

    // MARK: - Administrative backup

    func testHandoverResignsAndStaysBackup() {
        var (router, _) = masterRouter(settings(priority: 100))
        XCTAssertEqual(router.handover(at: ms(4000)).effects, [.sendAdvert(priority: 0)])
        XCTAssertEqual(router.received(advert(priority: 90), from: lowerPeer, at: ms(4070)).effects, [])
        XCTAssertEqual(
            router.received(advert(priority: 90), from: lowerPeer, at: ms(4073)),
            [.removeVIPs([virtualAddress]), .stateChanged(from: .master, to: .backup, why: .administrativeBackup)])
        XCTAssertEqual(router.administrativeMode, .backup)
        XCTAssertEqual(router.received(advert(priority: 0), from: higherPeer, at: ms(5000)), [], "never takes over")
        XCTAssertEqual(router.received(advert(priority: 50), from: higherPeer, at: ms(6000)), [])
    }

    func testHandoverInBackupMakesThePendingMasterDownTimerStale() {
        var router = VirtualRouter(settings: settings(priority: 100))
        guard let masterDown = router.start(at: ms(0)).armed(.masterDown) else { return XCTFail("no timer") }
        XCTAssertEqual(router.handover(at: ms(100)), [])
        XCTAssertEqual(router.timerFired(masterDown.timer, at: masterDown.deadline), [])
        XCTAssertEqual(router.state, .backup)
    }

    func testAnOwnerInAdministrativeBackupStartsAsBackup() {
        var router = VirtualRouter(settings: settings(priority: 255))
        _ = router.handover(at: ms(0))
        XCTAssertEqual(
            router.start(at: ms(10)).effects, [.stateChanged(from: .initialize, to: .backup, why: .startup)])
    }

    func testResumeRearmsMasterDownTimer() {
        var (router, _) = masterRouter(settings(priority: 100))
        _ = router.handover(at: ms(4000))
        _ = router.received(advert(priority: 90), from: lowerPeer, at: ms(4070))
        _ = router.received(advert(priority: 90), from: lowerPeer, at: ms(4073))
        let actions = router.resume(at: ms(5000))
        XCTAssertEqual(actions.effects, [])
        guard let masterDown = actions.armed(.masterDown) else { return XCTFail("no Master_Down_Timer") }
        XCTAssertEqual(masterDown.deadline, ns(8_609_375_000))
        XCTAssertEqual(
            router.timerFired(masterDown.timer, at: masterDown.deadline).effects.last,
            .stateChanged(from: .backup, to: .master, why: .masterDown))
        XCTAssertEqual(router.resume(at: ms(9000)), [], "already automatic")
    }

    func testResumeMakesTheOwnerMasterAtOnce() {
        var router = VirtualRouter(settings: settings(priority: 255))
        _ = router.handover(at: ms(0))
        _ = router.start(at: ms(10))
        XCTAssertEqual(
            router.resume(at: ms(20)).effects, becomingMaster(priority: 255, from: .backup, why: .addressOwner))
    }
}
