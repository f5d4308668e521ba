import MonotonicTime
import NetTypes
import VRRPCore
import XCTest

/// Reloaded settings taken in place: the state stays, a master applies address and priority changes at once.
final class VirtualRouterReconfigureTests: XCTestCase {
    private func settings(
        priority: UInt8 = 100, addresses: [IPNetwork] = [virtualAddress], interval: Duration = .seconds(1),
        vrid: UInt8 = 51
    ) -> VRRPInstanceSettings {
        VRRPInstanceSettings(
            name: "VI_1", vrid: vrid, priority: priority, advertInterval: interval, version: .v3, preempt: true,
            preemptDelay: .zero, virtualAddresses: addresses, authentication: nil, unicastTTLCheck: false,
            primaryAddress: localAddress, gratuitousRepeatDelay: .seconds(5))
    }

    func testAMasterAddsAndRemovesAddressesAtOnceAndAnnouncesTheNewOnes() {
        var (router, _) = masterRouter(settings())
        let extra = network("192.168.1.101/24")
        let actions = router.reconfigure(settings(addresses: [extra]), at: ms(5000))
        XCTAssertEqual(
            actions, [.removeVIPs([virtualAddress]), .addVIPs([extra]), .sendGratuitous([extra.address])])
        XCTAssertEqual(router.state, .master)
    }

    func testAMasterAdvertisesAChangedPriorityAtOnce() {
        var (router, _) = masterRouter(settings())
        let actions = router.reconfigure(settings(priority: 80, interval: .milliseconds(500)), at: ms(5000))
        XCTAssertEqual(actions.effects, [.sendAdvert(priority: 80)], "a backup above 80 preempts now")
        XCTAssertEqual(actions.armed(.advert)?.deadline, ms(5500))
        XCTAssertEqual(router.masterAdvertInterval, .milliseconds(500))
        XCTAssertEqual(router.reconfigure(settings(priority: 80, interval: .milliseconds(500)), at: ms(5100)), [],
                       "nothing changed")
    }

    func testABackupKeepsItsStateAndElectsWithTheNewPriority() {
        var router = VirtualRouter(settings: settings(priority: 100))
        _ = router.start(at: ms(0))
        XCTAssertEqual(router.received(advert(priority: 120), from: higherPeer, at: ms(100)).armedKinds, [.masterDown])
        XCTAssertEqual(router.reconfigure(settings(priority: 150), at: ms(200)), [])
        XCTAssertEqual(router.state, .backup)
        XCTAssertEqual(router.received(advert(priority: 120), from: higherPeer, at: ms(1100)), [],
                       "preempt: a lower master is now ignored")
    }

    func testAnotherVRIDCannotBeTakenInPlace() {
        let router = VirtualRouter(settings: settings())
        XCTAssertFalse(router.canReconfigure(to: settings(vrid: 52)))
        XCTAssertTrue(router.canReconfigure(to: settings(priority: 10)))
    }
}
