import NetTypes
import VRRPCore
import VRRPIO
@testable import VRRPService
import XCTest

/// A stopping master's driver keeps the VIP on the interface and stays quiet on ARP until the new master speaks.
final class InstanceDriverReleaseTests: XCTestCase {
    func testAStoppingMasterKeepsTheVIPAndStopsAnnouncingUntilTheNewMasterSpeaks() throws {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        let announcedAsMaster = rig.announcer.announced.count

        rig.driver.shutdown(at: ms(4000))
        XCTAssertEqual(rig.channel.sent.last?.priority, 0)
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip], "the VIP stays while no new master is heard")
        // The follow-up burst (due 1.1 s after the takeover) and the adverts fall due while releasing.
        rig.driver.tick(at: ms(4800))
        rig.driver.tick(at: ms(5000))
        XCTAssertEqual(rig.announcer.announced.count, announcedAsMaster, "no gratuitous ARP from a leaving node")
        XCTAssertEqual(rig.channel.sent.suffix(2).map(\.priority), [0, 0], "priority 0 again each interval")
        XCTAssertTrue(rig.driver.router.isReleasing)

        let successor = IPAddress("192.168.1.5")!
        rig.hear(priority: 90, from: successor, at: ms(5070))
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip], "the new master has not announced the VIP yet")
        rig.hear(priority: 90, from: successor, at: ms(5073))
        XCTAssertEqual(rig.addresses.present, [])
        XCTAssertEqual(rig.driver.router.state, .initialize)
        XCTAssertFalse(rig.driver.router.isReleasing)
    }

    /// The interface flaps while this master releases at stop (the loop runs on for other instances): the
    /// instance goes to FAULT and, once the interface is back, stays stopped instead of winning an election.
    func testAnInterfaceFlapWhileStoppingDoesNotMakeTheInstanceMasterAgain() throws {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        rig.driver.shutdown(at: ms(4000))
        rig.driver.detach("interface lo missing", at: ms(4100))
        XCTAssertEqual(rig.driver.router.state, .initialize, "stopped, so notify_stop runs")
        XCTAssertEqual(rig.addresses.present, [], "a faulted node holds no VIP")

        for source in [DriverRig.local, IPAddress("192.168.1.11")!] {
            rig.driver.detach("interface lo missing", at: ms(4150))
            let channel = FakeAdvertChannel(source: source)
            rig.driver.attach(
                InstanceLink(
                    interface: try NetworkInterface(named: "lo"), socket: channel, announcer: FakeAnnouncer()),
                at: ms(4200))
            for instant in stride(from: 4200, through: 12000, by: 100) { rig.driver.tick(at: ms(instant)) }
            XCTAssertEqual(rig.driver.router.state, .initialize, "source \(source)")
            XCTAssertEqual(rig.addresses.present, [])
            XCTAssertEqual(channel.sent.map(\.priority).filter { $0 > 0 }, [], "no advert claiming mastership")
        }
    }

    /// `garp_master_refresh` falls due while the master releases: it is not announced, and it must not stay due,
    /// or the VRRP thread's poll timeout is 1 ms for the rest of the handover.
    func testARefreshDueWhileReleasingDoesNotKeepTheLoopSpinning() throws {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        // The gratuitous repeat at 8.7 s schedules the refresh for 68.7 s.
        for instant in stride(from: 4700, through: 67_700, by: 1000) { rig.driver.tick(at: ms(instant)) }
        let announced = rig.announcer.announced.count
        rig.driver.shutdown(at: ms(68_000))
        rig.driver.tick(at: ms(69_000))
        XCTAssertTrue(rig.driver.router.isReleasing)
        XCTAssertEqual(rig.announcer.announced.count, announced, "no refresh from a leaving node")
        XCTAssertGreaterThan(try XCTUnwrap(rig.driver.nextDue), ms(69_000), "nothing left due in the past")
    }
}
