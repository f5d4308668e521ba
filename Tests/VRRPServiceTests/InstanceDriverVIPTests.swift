import Logging
import NetTypes
import VRRPCore
import VRRPIO
@testable import VRRPService
import XCTest

/// A master's VIPs against what the kernel does to them: taken away behind its back, or refused.
final class InstanceDriverVIPTests: XCTestCase {
    struct Refused: Error {}

    private func master() throws -> DriverRig {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip])
        return rig
    }

    /// `ip addr flush` on a master: the VIP is added back and announced at once, and counted.
    func testAVIPThatVanishesWhileMasterIsAddedBackAndAnnounced() throws {
        let rig = try master()
        let announcedBefore = rig.announcer.announced.count
        rig.addresses.vanish(DriverRig.vip)
        rig.driver.verifyVIPs(present: rig.addresses.present, at: ms(3750))
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip])
        XCTAssertEqual(rig.announcer.announced.count, announcedBefore + 1)
        XCTAssertEqual(rig.driver.stats(at: ms(3750)).vipsRestored, 1)
        XCTAssertEqual(rig.driver.router.state, .master)
    }

    /// A master handing over keeps its VIP until the new master speaks; one taken away meanwhile is put back (the
    /// release is for the clients still sending to this node) but not announced, which would pull clients back
    /// to the node that is leaving.
    func testAVIPThatVanishesDuringAHandoverIsAddedBackSilently() throws {
        let rig = try master()
        rig.driver.administer(backup: true, at: ms(3800))
        XCTAssertTrue(rig.driver.router.isReleasing)
        let announcedBefore = rig.announcer.announced.count
        rig.addresses.vanish(DriverRig.vip)
        rig.driver.verifyVIPs(present: rig.addresses.present, at: ms(3850))
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip])
        XCTAssertEqual(rig.announcer.announced.count, announcedBefore)
    }

    /// The VIP vanished and cannot be put back: FAULT with a priority-0 advert and a visible reason; once the add
    /// works again the instance leaves FAULT (and, alone, becomes master again with its VIP).
    func testAVIPThatCannotBeAddedBackFaultsUntilTheAddWorks() throws {
        let rig = try master()
        rig.addresses.addError = Refused()
        rig.addresses.vanish(DriverRig.vip)
        rig.driver.verifyVIPs(present: rig.addresses.present, at: ms(3750))
        XCTAssertEqual(rig.driver.router.state, .fault)
        XCTAssertEqual(rig.channel.sent.last?.priority, 0, "a peer must take over after its skew time")
        XCTAssertTrue(rig.driver.stats(at: ms(3750)).priorityReasons.contains { $0.contains("cannot be added") })

        rig.driver.tick(at: ms(4750))
        XCTAssertEqual(rig.driver.router.state, .fault, "still failing a second later")
        rig.addresses.addError = nil
        rig.driver.tick(at: ms(5750))
        XCTAssertEqual(rig.driver.router.state, .backup)
        XCTAssertTrue(rig.addresses.present.isEmpty, "a backup holds no VIP after the probing add")
        XCTAssertEqual(rig.driver.stats(at: ms(5750)).priorityReasons, [])
        rig.driver.tick(at: ms(9500))
        XCTAssertEqual(rig.driver.router.state, .master)
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip])
    }

    /// Becoming master with a VIP the kernel refuses: FAULT, not a master without its address.
    func testAFailedVIPAddWhenBecomingMasterFaults() throws {
        let rig = try DriverRig()
        rig.addresses.addError = Refused()
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .fault)
        // The takeover's first advert goes before the add; the one after it would tell a releasing master to let
        // go of the addresses nobody holds.
        XCTAssertEqual(rig.channel.sent.map(\.priority), [100, 0])
        XCTAssertEqual(rig.announcer.announced.count, 0, "no gratuitous ARP for a VIP this node does not hold")
        XCTAssertNotNil(rig.driver.nextDue, "the add is retried")
    }

    /// A backup ignores addresses going away: it holds none.
    func testABackupDoesNotAddVIPs() throws {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.driver.verifyVIPs(present: [], at: ms(100))
        XCTAssertTrue(rig.addresses.present.isEmpty)
    }

    /// A VIP on a backup's interface (an operator's `ip addr add`, a removal that failed) answers ARP for a node
    /// that is not master: it is removed when the notification shows it.
    func testABackupRemovesItsVIPFoundOnTheInterface() throws {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.addresses.appear(DriverRig.vip)
        rig.driver.verifyVIPs(present: rig.addresses.present, at: ms(100))
        XCTAssertTrue(rig.addresses.present.isEmpty)
        XCTAssertEqual(rig.driver.router.state, .backup)
    }

    /// The kernel refuses to remove the VIP as the master steps down to FAULT: the removal is retried until it
    /// works, and said as an error each time it fails, instead of leaving a FAULT node answering for the VIP.
    func testAFailedRemovalIsRetriedUntilTheVIPIsGone() throws {
        let log = RecordingLog()
        let rig = try DriverRig(logger: log.logger)
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        rig.addresses.removeError = Refused()
        rig.driver.track(TrackedState(proxyProblem: "stalled"), at: ms(4000))
        XCTAssertEqual(rig.driver.router.state, .fault)
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip], "refused")
        rig.driver.tick(at: ms(5000))
        XCTAssertEqual(log.messages(at: .error).filter { $0 == "cannot remove VIP" }.count, 2, "tried again")
        rig.addresses.removeError = nil
        rig.driver.tick(at: ms(6000))
        XCTAssertTrue(rig.addresses.present.isEmpty)
        rig.driver.tick(at: ms(7000))
        XCTAssertEqual(log.messages(at: .error).filter { $0 == "cannot remove VIP" }.count, 2, "done retrying")
    }

    /// The interface goes away and comes back (a recreated veth): FAULT while it is gone, then an election
    /// on the new socket.
    func testAnInstanceFaultsWhileItsInterfaceIsGoneAndRejoinsOnTheNewOne() throws {
        let rig = try master()
        rig.driver.detach("interface lo missing", at: ms(4000))
        XCTAssertEqual(rig.driver.router.state, .fault)
        XCTAssertEqual(rig.channel.sent.last?.priority, 0)
        XCTAssertNil(rig.driver.link)
        XCTAssertEqual(rig.driver.stats(at: ms(4000)).priorityReasons, ["interface lo missing"])

        let channel = FakeAdvertChannel(source: IPAddress("192.168.1.11")!)
        rig.driver.attach(
            InstanceLink(interface: try NetworkInterface(named: "lo"), socket: channel, announcer: FakeAnnouncer()),
            at: ms(5000))
        XCTAssertEqual(rig.driver.router.state, .backup)
        XCTAssertEqual(rig.driver.router.settings.primaryAddress, IPAddress("192.168.1.11")!)
        rig.driver.tick(at: ms(8700))
        XCTAssertEqual(rig.driver.router.state, .master)
        XCTAssertFalse(channel.sent.isEmpty, "adverts go out on the new socket")
    }
}
