import NetTypes
import XCTest

@testable import VRRPIO

/// Golden bytes for the announcement frames; tshark decoded the same bytes as "Gratuitous ARP for 192.0.2.100
/// (Request)" and "Neighbor Advertisement 2001:db8::100 (ovr) is at 52:54:00:12:34:56", checksum correct.
final class AnnouncementFrameTests: XCTestCase {
    private let mac = MACAddress("52:54:00:12:34:56")!

    func testGratuitousARPIsABroadcastRequestForTheVIP() {
        let frame = AnnouncementFrame.announcing(IPAddress("192.0.2.100")!, from: mac)
        XCTAssertEqual(frame.etherType, 0x0806)
        XCTAssertEqual(frame.destination, .broadcast)
        XCTAssertEqual(
            frame.bytes,
            bytes(
                "ff ff ff ff ff ff 52 54 00 12 34 56 08 06",  // Ethernet: broadcast, our MAC, ARP
                "00 01 08 00 06 04 00 01",  // Ethernet/IPv4, lengths 6 and 4, request
                "52 54 00 12 34 56 c0 00 02 64",  // sender MAC and IP
                "ff ff ff ff ff ff c0 00 02 64"  // target MAC and IP: the same VIP
            ))
    }

    func testUnsolicitedNeighborAdvertisementOverridesAndCarriesTheMAC() {
        let frame = AnnouncementFrame.announcing(IPAddress("2001:db8::100")!, from: mac)
        XCTAssertEqual(frame.etherType, 0x86DD)
        XCTAssertEqual(frame.destination, MACAddress("33:33:00:00:00:01"))
        XCTAssertEqual(
            frame.bytes,
            bytes(
                "33 33 00 00 00 01 52 54 00 12 34 56 86 dd",  // Ethernet: all-nodes multicast, IPv6
                "60 00 00 00 00 20 3a ff",  // IPv6: payload 32, ICMPv6, hop limit 255
                "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 01 00",  // source: the VIP
                "ff 02 00 00 00 00 00 00 00 00 00 00 00 00 00 01",  // destination: ff02::1
                "88 00 72 71 20 00 00 00",  // NA, code 0, checksum, Override only
                "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 01 00",  // target: the VIP
                "02 01 52 54 00 12 34 56"  // target link-layer address option
            ))
    }

    func testNeighborAdvertisementChecksumVerifies() {
        let frame = AnnouncementFrame.announcing(IPAddress("fe80::1234")!, from: mac)
        let icmp = frame.bytes[(14 + 40)...]
        var checksum = InternetChecksum()
        checksum.addPseudoHeader(
            source: IPAddress("fe80::1234")!, destination: IPAddress("ff02::1")!, protocolNumber: 58,
            length: icmp.count)
        checksum.add(icmp)
        XCTAssertEqual(checksum.value, 0, "a message summed with its checksum in place sums to zero")
    }
}

/// Hex pairs separated by spaces, in any number of pieces.
func bytes(_ pieces: String...) -> [UInt8] {
    pieces.joined(separator: " ").split(separator: " ").map { UInt8($0, radix: 16)! }
}
