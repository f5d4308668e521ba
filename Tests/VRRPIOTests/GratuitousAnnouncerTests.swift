import NetTypes
import XCTest

@testable import VRRPIO

/// Announcements sent from namespace a, captured and decoded by tshark on the veth peer in namespace b.
final class GratuitousAnnouncerTests: XCTestCase {
    private var lab: NetworkNamespaceLab!
    private var announcer: GratuitousAnnouncer!
    private var mac: MACAddress!

    override func setUpWithError() throws {
        lab = try NetworkNamespaceLab()
        guard NetworkNamespaceLab.executable("tshark") != nil else {
            throw XCTSkip("needs tshark: DEBIAN_FRONTEND=noninteractive apt-get install tshark")
        }
        (announcer, mac) = try lab.inside(lab.namespaceA) {
            let va = try NetworkInterface(named: "va")
            let mac = try XCTUnwrap(try InterfaceFacts().hardwareAddress(of: va))
            return (try GratuitousAnnouncer(interface: va, hardwareAddress: mac), mac)
        }
    }

    override func tearDown() {
        announcer = nil
        lab?.close()
        lab = nil
    }

    func testGratuitousARPIsDecodedByThePeer() throws {
        let capture = try PacketCapture(namespace: lab.namespaceB, interface: "vb", filter: "arp")
        let decoded = try capture.decodedPacket { try announcer.announce(IPAddress("198.51.100.7")!) }

        XCTAssertTrue(decoded.contains("Gratuitous ARP for 198.51.100.7 (Request)"), decoded)
        XCTAssertTrue(decoded.contains("[Is gratuitous: True]"), decoded)
        XCTAssertTrue(decoded.contains("Sender MAC address: \(mac!)"), decoded)
        XCTAssertTrue(decoded.contains("Sender IP address: 198.51.100.7"), decoded)
        XCTAssertTrue(decoded.contains("Target IP address: 198.51.100.7"), decoded)
        XCTAssertTrue(decoded.contains("Destination: ff:ff:ff:ff:ff:ff"), decoded)
    }

    func testUnsolicitedNeighborAdvertisementIsDecodedByThePeer() throws {
        // ip6[40] is the ICMPv6 type: only the advertisement, not the peer's own router solicitations.
        let capture = try PacketCapture(
            namespace: lab.namespaceB, interface: "vb", filter: "icmp6 and ip6[40] == 136")
        let decoded = try capture.decodedPacket { try announcer.announce(IPAddress("2001:db8::7")!) }

        XCTAssertTrue(decoded.contains("Neighbor Advertisement 2001:db8::7 (ovr) is at \(mac!)"), decoded)
        XCTAssertTrue(decoded.contains("[Checksum Status: Good]"), decoded)
        XCTAssertTrue(decoded.contains("Hop Limit: 255"), decoded)
        XCTAssertTrue(decoded.contains("Destination Address: ff02::1"), decoded)
        XCTAssertTrue(decoded.contains("Override: Set"), decoded)
        XCTAssertTrue(decoded.contains("Solicited: Not set"), decoded)
        XCTAssertTrue(decoded.contains("Link-layer address: \(mac!)"), decoded)
    }
}
