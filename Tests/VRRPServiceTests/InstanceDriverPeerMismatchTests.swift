import Logging
import NetTypes
import VRRPCore
@testable import VRRPService
import XCTest

/// A rolling reload leaves the peers' configurations different for a while. VRRPv3 adverts naming other VIPs are
/// still heard (RFC 5798 7.1 only asks to log the difference), counted, and warned about once a minute; a VRRPv2
/// interval mismatch stays a discard (RFC 3768 7.1) and is logged as the split-brain risk it is.
final class InstanceDriverPeerMismatchTests: XCTestCase {
    private let peer = IPAddress("192.168.1.20")!
    private let added = IPAddress("192.168.1.101")!

    func testABackupStillHearsAMasterWhoseVIPListDiffers() throws {
        let log = RecordingLog()
        let rig = try DriverRig(logger: log.logger)
        rig.driver.start(at: ms(0))
        for second in 0..<10 {
            rig.hear(priority: 200, from: peer, addresses: [DriverRig.vip.address, added], at: ms(500 + second * 1000))
            rig.driver.tick(at: ms(1000 + second * 1000))
        }
        XCTAssertEqual(rig.driver.router.state, .backup, "the master's adverts keep this node from taking over")
        XCTAssertEqual(rig.addresses.present, [])
        XCTAssertEqual(rig.driver.stats(at: ms(10_000)).addressListMismatchesAccepted, 10)
        XCTAssertEqual(rig.driver.counters.advertsReceived, 10)
        XCTAssertEqual(log.messages(at: .warning).filter { $0.contains("VIP list") }.count, 1, "once a minute")

        rig.hear(priority: 200, from: peer, addresses: [added, DriverRig.vip.address], at: ms(61_000))
        XCTAssertEqual(log.messages(at: .warning).filter { $0.contains("VIP list") }.count, 2)
    }

    func testAMasterYieldsToAHigherMasterWhoseVIPListDiffers() throws {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        rig.hear(priority: 200, from: peer, addresses: [DriverRig.vip.address, added], at: ms(4000))
        XCTAssertEqual(rig.driver.router.state, .backup, "one master, not two, while the lists differ")
    }

    /// Another cluster reusing this VRID on the VLAN, with a higher priority and none of our VIPs: our master
    /// keeps its VIP, and the drops are counted and logged once a minute.
    func testAMasterIgnoresAnotherClusterUsingItsVRIDForOtherVIPs() throws {
        let log = RecordingLog()
        let rig = try DriverRig(logger: log.logger)
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        for second in 0..<5 {
            rig.hear(priority: 255, from: peer, addresses: [added], at: ms(4000 + second * 1000))
        }
        XCTAssertEqual(rig.driver.router.state, .master)
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip])
        XCTAssertEqual(rig.driver.counters.discards["address_list_mismatch"], 5)
        XCTAssertEqual(log.messages(at: .warning).filter { $0 == "VRRP packet dropped" }.count, 1, "rate-limited")
    }

    func testAVersion2IntervalMismatchIsDroppedAndLoggedAsAnError() throws {
        let log = RecordingLog()
        let rig = try DriverRig(logger: log.logger, version: .v2)
        rig.driver.start(at: ms(0))
        for second in 0..<3 {
            rig.hear(
                priority: 200, from: peer, format: .v2(advertIntervalSeconds: 2, authentication: .none),
                at: ms(500 + second * 1000))
        }
        XCTAssertEqual(rig.driver.counters.discards["interval_mismatch"], 3)
        XCTAssertEqual(rig.driver.counters.advertsReceived, 0)
        XCTAssertEqual(log.messages(at: .error).filter { $0.contains("advert_interval") }.count, 1)
    }

    func testAReloadThatChangesAVersion2IntervalSaysToChangeItEverywhere() throws {
        let log = RecordingLog()
        let rig = try DriverRig(logger: log.logger, version: .v2)
        rig.driver.start(at: ms(0))
        var next = rig.driver.config
        next.advertInterval = .seconds(2)
        XCTAssertTrue(rig.driver.reconfigure(next, at: ms(100)))
        XCTAssertEqual(log.messages(at: .error).filter { $0.contains("all nodes together") }.count, 1)
    }
}
