import NetTypes
import VRRPCore
@testable import VRRPService
import XCTest

/// Forged adverts reach the driver like any other datagram: the instance's transport decides whom it hears.
final class InstanceDriverTransportTests: XCTestCase {
    private let forger = IPAddress("192.168.1.66")!
    private let peer = IPAddress("192.168.1.20")!

    /// A rig that became master at startup, after its Master_Down_Timer ran out.
    private func master(unicastPeers: [IPAddress] = []) throws -> DriverRig {
        let rig = try DriverRig(unicastPeers: unicastPeers)
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        return rig
    }

    func testAMulticastMasterIgnoresUnicastAdvertsFromOffTheLink() throws {
        let rig = try master()
        for (index, ttl) in [64, 255].enumerated() {
            rig.hear(priority: 255, from: forger, to: DriverRig.local, ttl: ttl, at: ms(4000 + index))
        }
        XCTAssertEqual(rig.driver.router.state, .master)
        XCTAssertEqual(rig.driver.counters.discards["unexpected_unicast"], 2)
        XCTAssertEqual(rig.driver.counters.advertsReceived, 0)
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip], "the VIP stays")
    }

    func testAUnicastMasterHearsOnlyItsPeers() throws {
        let rig = try master(unicastPeers: [peer])
        rig.hear(priority: 255, from: forger, to: DriverRig.local, at: ms(4000))
        XCTAssertEqual(rig.driver.router.state, .master)
        XCTAssertEqual(rig.driver.counters.discards["unknown_peer"], 1)
        rig.hear(priority: 200, from: peer, to: DriverRig.local, ttl: 62, at: ms(4100))
        XCTAssertEqual(rig.driver.router.state, .backup, "a routed peer is heard: unicast_ttl_check is off")
    }
}
