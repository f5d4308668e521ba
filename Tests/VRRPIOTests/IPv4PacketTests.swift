import NetTypes
import XCTest

@testable import VRRPIO

final class IPv4PacketTests: XCTestCase {
    func testVRRPHeaderCarriesTTL255Protocol112AndTheGivenAddresses() {
        let header = IPv4Packet.vrrpHeader(
            source: 0xC000_0201, destination: 0xE000_0012, payloadLength: 12)
        XCTAssertEqual(
            header,
            bytes(
                "45 c0 00 20",  // version 4, IHL 5, TOS 0xc0, total length 32
                "00 00 00 00",  // identification and fragment offset: kernel-filled / none
                "ff 70 00 00",  // TTL 255, protocol 112, checksum left to the kernel
                "c0 00 02 01 e0 00 00 12"  // 192.0.2.1 -> 224.0.0.18
            ))
    }

    func testDatagramSplitsHeaderFromPayload() {
        let packet = bytes(
            "45 c0 00 1c 12 34 00 00 fe 70 ab cd",  // TTL 254
            "c0 00 02 02 e0 00 00 12",
            "31 01 64 01 00 64 00 00")
        let datagram = IPv4Packet.datagram(from: packet[...])
        XCTAssertEqual(
            datagram,
            VRRPDatagram(
                payload: bytes("31 01 64 01 00 64 00 00"), source: IPAddress("192.0.2.2")!,
                destination: IPAddress("224.0.0.18")!, ttl: 254))
    }

    func testDatagramSkipsIPOptions() {
        let packet = bytes(
            "46 00 00 1c 00 00 00 00 ff 70 00 00 c0 00 02 02 c0 00 02 01",
            "94 04 00 00",  // router alert option: IHL 6
            "aa bb cc dd")
        XCTAssertEqual(IPv4Packet.datagram(from: packet[...])?.payload, bytes("aa bb cc dd"))
    }

    func testDatagramRejectsMalformedHeaders() {
        let valid = bytes("45 00 00 18 00 00 00 00 ff 70 00 00 c0 00 02 02 c0 00 02 01 01 02 03 04")
        XCTAssertNotNil(IPv4Packet.datagram(from: valid[...]))
        XCTAssertNil(IPv4Packet.datagram(from: valid[0..<19]), "shorter than a header")
        var wrongVersion = valid
        wrongVersion[0] = 0x65
        XCTAssertNil(IPv4Packet.datagram(from: wrongVersion[...]))
        var shortIHL = valid
        shortIHL[0] = 0x44
        XCTAssertNil(IPv4Packet.datagram(from: shortIHL[...]))
        var longerThanReceived = valid
        longerThanReceived[3] = 0x19
        XCTAssertNil(IPv4Packet.datagram(from: longerThanReceived[...]))
    }
}
