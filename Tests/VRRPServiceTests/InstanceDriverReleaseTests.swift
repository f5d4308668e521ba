import NetTypes
import VRRPCore
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

        rig.hear(priority: 90, from: IPAddress("192.168.1.5")!, at: ms(5070))
        XCTAssertEqual(rig.addresses.present, [])
        XCTAssertEqual(rig.driver.router.state, .initialize)
        XCTAssertFalse(rig.driver.router.isReleasing)
    }
}
