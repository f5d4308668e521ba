import MonotonicTime
import NetTypes
import VRRPCore
import XCTest

/// The RFC 5798 6.4 rules, one test each: events in, actions out, instants made up.
final class VirtualRouterElectionTests: XCTestCase {
    /// The instant `masterRouter` takes over with priority 100 and 1 s adverts.
    private let takeover = ns(3_609_375_000)

    // MARK: - Initialize (RFC 5798 6.4.1)

    func testTheAddressOwnerBecomesMasterAtOnce() {
        var router = VirtualRouter(settings: settings(priority: 255))
        let actions = router.start(at: ms(0))
        XCTAssertEqual(router.state, .master)
        XCTAssertEqual(actions.effects, becomingMaster(priority: 255, from: .initialize, why: .addressOwner))
        XCTAssertEqual(actions.armed(.advert)?.deadline, ms(1000))
        XCTAssertEqual(actions.armed(.gratuitousRepeat)?.deadline, ms(5000))
    }

    func testOthersStartAsBackupWithMasterDownTimer() {
        var router = VirtualRouter(settings: settings(priority: 254))
        let actions = router.start(at: ms(0))
        XCTAssertEqual(router.state, .backup)
        XCTAssertEqual(actions.effects, [.stateChanged(from: .initialize, to: .backup, why: .startup)])
        XCTAssertEqual(actions.armedKinds, [.masterDown])
    }

    func testStartIsIgnoredOnceRunning() {
        var router = VirtualRouter(settings: settings())
        _ = router.start(at: ms(0))
        XCTAssertEqual(router.start(at: ms(10)), [])
    }

    // MARK: - Backup (RFC 5798 6.4.2)

    func testMasterDownTimerExpiryTakesOver() {
        let (router, actions) = masterRouter(settings(priority: 100))
        XCTAssertEqual(actions.effects, becomingMaster(priority: 100, from: .backup, why: .masterDown))
        XCTAssertEqual(actions.armed(.advert)?.deadline, takeover + .seconds(1))
        XCTAssertEqual(router.knownMaster, nil)
    }

    /// The first advert silences the other backups before the VIP add (a netlink round trip); the second, once
    /// the addresses are announced, is what a releasing master waits for before it lets them go.
    func testATakeoverAdvertisesBeforeTakingTheAddressesAndAgainOnceTheyAreAnnounced() {
        let (_, actions) = masterRouter(settings(priority: 100))
        XCTAssertEqual(
            Array(actions.effects.prefix(4)),
            [
                .sendAdvert(priority: 100), .addVIPs([virtualAddress]), .sendGratuitous([virtualAddress.address]),
                .sendAdvert(priority: 100),
            ])
    }

    func testAnAcceptedAdvertRestartsMasterDownTimer() {
        var router = VirtualRouter(settings: settings(priority: 100))
        _ = router.start(at: ms(0))
        let actions = router.received(advert(priority: 150), from: higherPeer, at: ms(1000))
        XCTAssertEqual(actions.effects, [])
        XCTAssertEqual(actions.armed(.masterDown)?.deadline, ns(4_609_375_000))
        XCTAssertEqual(router.knownMaster, VRRPKnownMaster(address: higherPeer, priority: 150))
    }

    func testAVersion3BackupAdoptsTheMastersInterval() {
        var router = VirtualRouter(settings: settings(priority: 100))
        _ = router.start(at: ms(0))
        let actions = router.received(advert(priority: 150, centiseconds: 200), from: higherPeer, at: ms(1000))
        XCTAssertEqual(router.masterAdvertInterval, .seconds(2))
        // 1 s + 3 * 2 s + 156 * 2 s / 256.
        XCTAssertEqual(actions.armed(.masterDown)?.deadline, ns(8_218_750_000))
    }

    func testAPreemptingBackupIgnoresALowerPriorityMaster() {
        var router = VirtualRouter(settings: settings(priority: 150))
        let started = router.start(at: ms(0))
        XCTAssertEqual(router.received(advert(priority: 100), from: higherPeer, at: ms(1000)), [])
        guard let masterDown = started.armed(.masterDown) else { return XCTFail("no Master_Down_Timer") }
        let takeover = router.timerFired(masterDown.timer, at: masterDown.deadline)
        XCTAssertEqual(takeover.effects, becomingMaster(priority: 150, from: .backup, why: .masterDown))
    }

    func testANonPreemptingBackupAcceptsALowerPriorityMaster() {
        var router = VirtualRouter(settings: settings(priority: 150, preempt: false))
        _ = router.start(at: ms(0))
        let actions = router.received(advert(priority: 100), from: higherPeer, at: ms(1000))
        XCTAssertEqual(actions.armedKinds, [.masterDown])
        XCTAssertEqual(router.knownMaster?.priority, 100)
    }

    /// keepalived's preempt_delay: the lower master is tolerated for the delay after its first advert.
    func testPreemptDelayToleratesALowerPriorityMasterForTheDelay() {
        var router = VirtualRouter(settings: settings(priority: 150, preemptDelay: .seconds(5)))
        _ = router.start(at: ms(0))
        XCTAssertEqual(
            router.received(advert(priority: 100), from: higherPeer, at: ms(1000)).armedKinds, [.masterDown])
        XCTAssertEqual(
            router.received(advert(priority: 100), from: higherPeer, at: ms(5900)).armedKinds, [.masterDown])
        XCTAssertEqual(router.received(advert(priority: 100), from: higherPeer, at: ms(6000)), [], "the delay is over")
    }

    func testPreemptDelayRestartsAfterABetterMaster() {
        var router = VirtualRouter(settings: settings(priority: 150, preemptDelay: .seconds(5)))
        _ = router.start(at: ms(0))
        _ = router.received(advert(priority: 100), from: higherPeer, at: ms(1000))
        _ = router.received(advert(priority: 200), from: address("192.168.1.30"), at: ms(2000))
        XCTAssertEqual(
            router.received(advert(priority: 100), from: higherPeer, at: ms(7000)).armedKinds, [.masterDown],
            "a new delay starts with the first lower advert after the better master")
        XCTAssertEqual(router.received(advert(priority: 100), from: higherPeer, at: ms(12_000)), [])
    }

    func testPriorityZeroWhileBackupShortensTheTimerToSkewTime() {
        var router = VirtualRouter(settings: settings(priority: 100))
        _ = router.start(at: ms(0))
        _ = router.received(advert(priority: 150), from: higherPeer, at: ms(500))
        let actions = router.received(advert(priority: 0), from: higherPeer, at: ms(1000))
        XCTAssertEqual(actions.armed(.masterDown)?.deadline, ns(1_609_375_000))
        XCTAssertNil(router.knownMaster)
    }

    // MARK: - Master (RFC 5798 6.4.3, RFC 9568 6.4.3)

    func testAdverTimerSendsAnAdvertAndRearms() {
        var (router, actions) = masterRouter(settings(priority: 100))
        guard let advertTimer = actions.armed(.advert) else { return XCTFail("no Adver_Timer") }
        let next = router.timerFired(advertTimer.timer, at: advertTimer.deadline)
        XCTAssertEqual(next.effects, [.sendAdvert(priority: 100)])
        XCTAssertEqual(next.armed(.advert)?.deadline, advertTimer.deadline + .seconds(1))
    }

    func testAMasterYieldsToAHigherPriority() {
        var (router, _) = masterRouter(settings(priority: 100))
        let actions = router.received(advert(priority: 200, centiseconds: 50), from: lowerPeer, at: ms(4000))
        XCTAssertEqual(router.state, .backup)
        XCTAssertEqual(
            actions.effects,
            [.removeVIPs([virtualAddress]), .stateChanged(from: .master, to: .backup, why: .preempted)])
        // Master_Adver_Interval comes from the advert: 4 s + 3 * 0.5 s + 156 * 0.5 s / 256.
        XCTAssertEqual(actions.armed(.masterDown)?.deadline, ns(5_804_687_500))
        XCTAssertEqual(router.knownMaster, VRRPKnownMaster(address: lowerPeer, priority: 200))
    }

    func testEqualPriorityFromAHigherAddressWins() {
        var (router, _) = masterRouter(settings(priority: 100))
        let actions = router.received(advert(priority: 100), from: higherPeer, at: ms(4000))
        XCTAssertEqual(router.state, .backup)
        XCTAssertEqual(actions.effects.last, .stateChanged(from: .master, to: .backup, why: .preempted))
    }

    func testEqualPriorityFromALowerAddressLoses() {
        var (router, _) = masterRouter(settings(priority: 100))
        let actions = router.received(advert(priority: 100), from: lowerPeer, at: ms(4000))
        XCTAssertEqual(router.state, .master)
        XCTAssertEqual(actions.effects.first, .sendAdvert(priority: 100))
    }

    /// RFC 9568 6.4.3: a losing advert is answered at once so its sender sees a master now.
    func testAMasterAnswersALowerPriorityAdvertAtOnce() {
        var (router, _) = masterRouter(settings(priority: 100))
        XCTAssertEqual(
            router.received(advert(priority: 50), from: higherPeer, at: ms(4000)).effects.first,
            .sendAdvert(priority: 100))
        XCTAssertEqual(router.state, .master)
    }

    func testAMasterAnswersPriorityZeroAndRestartsAdverTimer() {
        var (router, _) = masterRouter(settings(priority: 100))
        let actions = router.received(advert(priority: 0), from: higherPeer, at: ms(4000))
        XCTAssertEqual(actions.effects, [.sendAdvert(priority: 100)])
        XCTAssertEqual(actions.armed(.advert)?.deadline, ms(5000))
    }

    func testTheGratuitousBurstIsRepeatedOnceAfterTheDelay() {
        var (router, actions) = masterRouter(settings(priority: 100))
        guard let repeatTimer = actions.armed(.gratuitousRepeat) else { return XCTFail("no repeat timer") }
        XCTAssertEqual(repeatTimer.deadline, takeover + .seconds(5))
        XCTAssertEqual(
            router.timerFired(repeatTimer.timer, at: repeatTimer.deadline),
            [
                .sendGratuitous([virtualAddress.address])
            ])
        XCTAssertEqual(router.timerFired(repeatTimer.timer, at: repeatTimer.deadline), [], "only once")
    }

    func testNoRepeatBurstWithAZeroDelay() {
        let (_, actions) = masterRouter(settings(priority: 100, gratuitousRepeatDelay: .zero))
        XCTAssertEqual(actions.armedKinds, [.advert])
    }

    // MARK: - Timers and shutdown

    func testTimersFromAnEarlierStateAreIgnored() {
        var (router, actions) = masterRouter(settings(priority: 100))
        guard let advertTimer = actions.armed(.advert), let repeatTimer = actions.armed(.gratuitousRepeat) else {
            return XCTFail("no master timers")
        }
        _ = router.received(advert(priority: 200), from: higherPeer, at: ms(4000))
        XCTAssertEqual(router.timerFired(advertTimer.timer, at: advertTimer.deadline), [])
        XCTAssertEqual(router.timerFired(repeatTimer.timer, at: repeatTimer.deadline), [])
    }

    func testARearmedTimerMakesTheEarlierArmingStale() {
        var router = VirtualRouter(settings: settings(priority: 100))
        guard let first = router.start(at: ms(0)).armed(.masterDown) else { return XCTFail("no timer") }
        _ = router.received(advert(priority: 150), from: higherPeer, at: ms(1000))
        XCTAssertEqual(router.timerFired(first.timer, at: first.deadline), [])
        XCTAssertEqual(router.state, .backup)
    }

    func testShutdownWhileMasterResignsAndReleasesTheAddressesWhenANewMasterSpeaks() {
        var (router, actions) = masterRouter(settings(priority: 100))
        XCTAssertEqual(router.shutdown(at: ms(4000)).effects, [.sendAdvert(priority: 0)])
        guard let advertTimer = actions.armed(.advert) else { return XCTFail("no Adver_Timer") }
        XCTAssertEqual(router.timerFired(advertTimer.timer, at: advertTimer.deadline), [], "Adver_Timer re-armed")
        XCTAssertEqual(router.received(advert(priority: 200), from: higherPeer, at: ms(4500)).effects, [])
        XCTAssertEqual(
            router.received(advert(priority: 200), from: higherPeer, at: ms(4503)),
            [.removeVIPs([virtualAddress]), .stateChanged(from: .master, to: .initialize, why: .shutdown)])
        XCTAssertEqual(router.received(advert(priority: 200), from: higherPeer, at: ms(4600)), [])
    }

    func testShutdownWhileBackupOnlyChangesState() {
        var router = VirtualRouter(settings: settings(priority: 100))
        guard let masterDown = router.start(at: ms(0)).armed(.masterDown) else { return XCTFail("no timer") }
        XCTAssertEqual(router.shutdown(at: ms(100)), [.stateChanged(from: .backup, to: .initialize, why: .shutdown)])
        XCTAssertEqual(router.timerFired(masterDown.timer, at: masterDown.deadline), [], "Master_Down_Timer cancelled")
        XCTAssertEqual(router.shutdown(at: ms(200)), [])
    }

    func testARouterCanStartAgainAfterShutdown() {
        var (router, _) = masterRouter(settings(priority: 100))
        _ = router.shutdown(at: ms(4000))
        _ = router.received(advert(priority: 90), from: lowerPeer, at: ms(4100))
        _ = router.received(advert(priority: 90), from: lowerPeer, at: ms(4103))
        XCTAssertEqual(
            router.start(at: ms(5000)).effects, [.stateChanged(from: .initialize, to: .backup, why: .startup)])
    }
}
