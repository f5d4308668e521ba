import NetTypes
import VRRPCore
import XCTest

final class VRRPPacketCodecTests: XCTestCase {
    private let v4Group = address("224.0.0.18")
    private let v6Source = address("fe80::1")
    private let v6Group = address("ff02::12")

    /// RFC 3768 5.1 layout: 0x21 (v2, advert), VRID 51, priority 100, one address, Auth Type 1, Adver Int 1 s,
    /// checksum 0x7b71 over the message alone, 192.168.1.100, then "secret" padded to eight bytes.
    private let v2WithPassword: [UInt8] = [
        0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x7B, 0x71, 0xC0, 0xA8, 0x01, 0x64,
        0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x00, 0x00,
    ]

    /// RFC 5798 5.1 layout: 0x31 (v3, advert), VRID 51, priority 100, one address, Max Adver Int 100 cs,
    /// checksum 0x0619 with the pseudo-header 192.168.1.10 > 224.0.0.18, protocol 112, length 12.
    private let v3IPv4: [UInt8] = [0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x06, 0x19, 0xC0, 0xA8, 0x01, 0x64]

    /// The same advert with the checksum over the message alone (RFC 9568 reading): 0xa85a.
    private let v3IPv4MessageOnly: [UInt8] = [0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0xA8, 0x5A, 0xC0, 0xA8, 0x01, 0x64]

    /// RFC 5798 5.1 over IPv6: two addresses, fe80::100 and 2001:db8::100, checksum 0x3dfd with the pseudo-header
    /// fe80::1 > ff02::12, length 40, next header 112.
    private let v3IPv6: [UInt8] = [
        0x31, 0x33, 0x64, 0x02, 0x00, 0x64, 0x3D, 0xFD,
        0xFE, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
        0x20, 0x01, 0x0D, 0xB8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    ]

    private var v2Packet: VRRPPacket {
        v2Advert(priority: 100, authentication: .simpleText(password: "secret"))
    }

    private var v3IPv6Packet: VRRPPacket {
        VRRPPacket(
            vrid: 51, priority: 100, addresses: [address("fe80::100"), address("2001:db8::100")],
            format: .v3(maxAdvertIntervalCentiseconds: 100))
    }

    private func decode(
        _ bytes: [UInt8], from source: IPAddress = localAddress, to destination: IPAddress? = nil,
        hopLimit: UInt8 = 255, unicast: Bool = false
    ) -> Result<VRRPReceivedPacket, VRRPDiscard> {
        let destination = destination ?? VRRPPacket.multicastGroup(for: source.family)
        return VRRPPacket.decode(
            bytes, source: source, destination: destination, hopLimit: hopLimit, arrivedByUnicast: unicast)
    }

    private func decoded(
        _ result: Result<VRRPReceivedPacket, VRRPDiscard>, file: StaticString = #filePath,
        line: UInt = #line
    ) -> VRRPReceivedPacket? {
        switch result {
        case .success(let received): return received
        case .failure(let reason):
            XCTFail("discarded: \(reason)", file: file, line: line)
            return nil
        }
    }

    private func reason(_ result: Result<VRRPReceivedPacket, VRRPDiscard>) -> VRRPDiscard? {
        if case .failure(let reason) = result { return reason }
        return nil
    }

    // MARK: - Golden bytes

    func testVersion2WithSimpleTextPasswordEncodesToGoldenBytes() {
        XCTAssertEqual(v2Packet.encode(source: localAddress, destination: v4Group), v2WithPassword)
    }

    func testVersion2WithSimpleTextPasswordDecodesFromGoldenBytes() {
        let received = decoded(decode(v2WithPassword))
        XCTAssertEqual(received?.packet, v2Packet)
        XCTAssertEqual(received?.checksumCoverage, .messageOnly)
        XCTAssertEqual(received?.packet.advertInterval, .seconds(1))
    }

    /// The VRRPv2 header in holo-vrrp's public packet tests: VRID 51, priority 30, 10.0.1.5, no authentication.
    func testVersion2PublicSampleDecodes() {
        let sample: [UInt8] = [
            0x21, 0x33, 0x1E, 0x01, 0x00, 0x01, 0xB5, 0xC5, 0x0A, 0x00, 0x01, 0x05,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
        let expected = VRRPPacket(
            vrid: 51, priority: 30, addresses: [address("10.0.1.5")],
            format: .v2(advertIntervalSeconds: 1, authentication: .none))
        XCTAssertEqual(decoded(decode(sample, from: address("10.0.1.1")))?.packet, expected)
        XCTAssertEqual(expected.encode(source: address("10.0.1.1"), destination: v4Group), sample)
    }

    func testVersion3IPv4EncodesWithThePseudoHeaderByDefault() {
        XCTAssertEqual(advert(priority: 100).encode(source: localAddress, destination: v4Group), v3IPv4)
    }

    func testVersion3IPv4EncodesTheMessageOnlyChecksumWhenAsked() {
        let bytes = advert(priority: 100).encode(source: localAddress, destination: v4Group, v3ChecksumAsV2: true)
        XCTAssertEqual(bytes, v3IPv4MessageOnly)
    }

    func testVersion3IPv6EncodesToGoldenBytes() {
        XCTAssertEqual(v3IPv6Packet.encode(source: v6Source, destination: v6Group), v3IPv6)
        XCTAssertEqual(
            v3IPv6Packet.encode(source: v6Source, destination: v6Group, v3ChecksumAsV2: true), v3IPv6,
            "IPv6 always includes the pseudo-header")
    }

    func testVersion3IPv6DecodesFromGoldenBytes() {
        let received = decoded(decode(v3IPv6, from: v6Source, to: v6Group))
        XCTAssertEqual(received?.packet, v3IPv6Packet)
        XCTAssertEqual(received?.checksumCoverage, .pseudoHeader)
        XCTAssertEqual(received?.packet.advertInterval, .seconds(1))
    }

    // MARK: - Checksum forms

    func testVersion3IPv4IsAcceptedWithAndWithoutThePseudoHeader() {
        XCTAssertEqual(decoded(decode(v3IPv4))?.checksumCoverage, .pseudoHeader)
        XCTAssertEqual(decoded(decode(v3IPv4MessageOnly))?.checksumCoverage, .messageOnly)
        XCTAssertEqual(decoded(decode(v3IPv4))?.packet, decoded(decode(v3IPv4MessageOnly))?.packet)
    }

    func testVersion3IPv6WithoutThePseudoHeaderIsRejected() {
        var messageOnly = v3IPv6
        let checksum = InternetChecksum.of(messageOnly[0..<6] + [0, 0] + messageOnly[8...])
        messageOnly[6] = UInt8(checksum >> 8)
        messageOnly[7] = UInt8(checksum & 0xFF)
        XCTAssertEqual(reason(decode(messageOnly, from: v6Source, to: v6Group)), .badChecksum)
    }

    func testVersion2WithAPseudoHeaderChecksumIsRejected() {
        var bytes = v2WithPassword
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: localAddress, destination: v4Group, protocolNumber: 112, length: bytes.count)
        sum.add(bytes[0..<6] + [0, 0] + bytes[8...])
        bytes[6] = UInt8(sum.value >> 8)
        bytes[7] = UInt8(sum.value & 0xFF)
        XCTAssertEqual(reason(decode(bytes)), .badChecksum)
    }

    /// keepalived before 2.0 summed the multicast group into the pseudo-header of unicast adverts.
    func testUnicastVersion3WithTheMulticastGroupInThePseudoHeaderIsAccepted() {
        let peer = address("192.168.1.20")
        XCTAssertEqual(
            decoded(decode(v3IPv4, to: peer, unicast: true))?.checksumCoverage, .pseudoHeaderWithMulticastGroup)
        XCTAssertEqual(reason(decode(v3IPv4, to: peer, unicast: false)), .badChecksum)
    }

    func testUnicastVersion3WithTheRealDestinationUsesThePseudoHeader() {
        let peer = address("192.168.1.20")
        let bytes = advert(priority: 100).encode(source: localAddress, destination: peer)
        XCTAssertNotEqual(bytes, v3IPv4)
        XCTAssertEqual(decoded(decode(bytes, to: peer, unicast: true))?.checksumCoverage, .pseudoHeader)
    }

    func testACorruptedByteFailsTheChecksum() {
        var bytes = v2WithPassword
        bytes[2] = 0x65
        XCTAssertEqual(reason(decode(bytes)), .badChecksum)
        var password = v2WithPassword
        password[19] = 0x01
        XCTAssertEqual(reason(decode(password)), .badChecksum, "the authentication data is covered too")
    }

    // MARK: - Syntax discards

    func testShortInputIsTooShort() {
        XCTAssertEqual(reason(decode(Array(v3IPv4.prefix(7)))), .tooShort)
        XCTAssertEqual(reason(decode(Array(v3IPv4.prefix(11)))), .tooShort, "the address list is cut")
        XCTAssertEqual(reason(decode(Array(v2WithPassword.prefix(19)))), .tooShort, "the password is cut")
        var moreAddresses = v3IPv4
        moreAddresses[3] = 2
        XCTAssertEqual(reason(decode(moreAddresses)), .tooShort)
    }

    func testUnknownVersionIsBadVersion() {
        var bytes = v3IPv4
        bytes[0] = 0x41
        XCTAssertEqual(reason(decode(bytes)), .badVersion)
    }

    func testUnknownTypeIsBadType() {
        var bytes = v3IPv4
        bytes[0] = 0x32
        XCTAssertEqual(reason(decode(bytes)), .badType)
    }

    func testVersion2OverIPv6AndMixedFamiliesAreWrongFamily() {
        var v2 = v3IPv6
        v2[0] = 0x21
        XCTAssertEqual(reason(decode(v2, from: v6Source, to: v6Group)), .wrongFamily)
        XCTAssertEqual(reason(decode(v3IPv4, from: localAddress, to: v6Group)), .wrongFamily)
    }

    // MARK: - Lenient fields

    func testVersion3ReservedBitsAreIgnored() {
        let withReserved = advert(priority: 100, centiseconds: 0x0FFF)
        var bytes = withReserved.encode(source: localAddress, destination: v4Group)
        bytes[4] |= 0xF0
        bytes[6] = 0
        bytes[7] = 0
        let checksum = InternetChecksum.of(pseudoHeaderSum(bytes))
        bytes[6] = UInt8(checksum >> 8)
        bytes[7] = UInt8(checksum & 0xFF)
        XCTAssertEqual(decoded(decode(bytes))?.packet, withReserved)
    }

    func testBytesPastTheDeclaredLengthAreIgnored() {
        XCTAssertEqual(decoded(decode(v2WithPassword + [0xAA, 0xBB]))?.packet, v2Packet)
    }

    func testOtherAuthenticationTypesDecodeAsUnsupported() {
        let ipsec = v2Advert(priority: 100, authentication: .unsupported(type: 2))
        let bytes = ipsec.encode(source: localAddress, destination: v4Group)
        XCTAssertEqual(bytes[4], 2)
        XCTAssertEqual(decoded(decode(bytes))?.packet, ipsec)
    }

    // MARK: - Round trips

    func testRoundTrips() {
        let cases: [(VRRPPacket, IPAddress)] = [
            (v2Advert(priority: 1, seconds: 255), localAddress),
            (v2Advert(priority: 254, authentication: .simpleText(password: "12345678")), localAddress),
            (
                VRRPPacket(
                    vrid: 255, priority: 255, addresses: [address("10.0.0.1"), address("10.0.0.2")],
                    format: .v3(maxAdvertIntervalCentiseconds: 4095)), localAddress
            ),
            (v3IPv6Packet, v6Source),
            (VRRPPacket(vrid: 1, priority: 0, addresses: [], format: .v3(maxAdvertIntervalCentiseconds: 1)), v6Source),
        ]
        for (packet, source) in cases {
            let group = VRRPPacket.multicastGroup(for: source.family)
            let bytes = packet.encode(source: source, destination: group)
            XCTAssertEqual(decoded(decode(bytes, from: source, to: group))?.packet, packet, "\(packet)")
        }
    }

    func testTheMulticastGroupsAreTheRFCOnes() {
        XCTAssertEqual(VRRPPacket.multicastGroup(for: .v4), v4Group)
        XCTAssertEqual(VRRPPacket.multicastGroup(for: .v6), v6Group)
        XCTAssertEqual(VRRPPacket.protocolNumber, 112)
    }

    private func pseudoHeaderSum(_ bytes: [UInt8]) -> [UInt8] {
        localAddress.bytes + v4Group.bytes + [0, 112, 0, UInt8(bytes.count)] + bytes
    }
}
