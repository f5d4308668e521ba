import NetTypes
import XCTest

final class InternetChecksumTests: XCTestCase {
    /// RFC 1071 3: the sum of 0001 f203 f4f5 f6f7 is ddf2, so the checksum is its complement, 220d.
    func testRFC1071Example() {
        XCTAssertEqual(InternetChecksum.of([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]), 0x220D)
    }

    func testAnOddLastByteIsPaddedWithZero() {
        XCTAssertEqual(InternetChecksum.of([0x12, 0x34, 0x56]), ~UInt16(0x1234 + 0x5600))
    }

    func testPiecesOfOddLengthPairAcrossCalls() {
        var checksum = InternetChecksum()
        checksum.add([0x00, 0x01, 0xF2])
        checksum.add([0x03, 0xF4])
        checksum.add([0xF5, 0xF6, 0xF7])
        XCTAssertEqual(checksum.value, 0x220D)
    }

    func testCarriesAreFoldedBack() {
        XCTAssertEqual(InternetChecksum.of([0xFF, 0xFF, 0x00, 0x02]), ~UInt16(0x0002))
        XCTAssertEqual(InternetChecksum.of([UInt8](repeating: 0xFF, count: 100_000)), 0x0000)
    }

    /// The IPv4 header of the swift-nio/Wikipedia example, whose checksum is b861.
    func testAKnownIPv4HeaderVerifiesToZero() {
        let header: [UInt8] = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xC0, 0xA8, 0x00, 0x01,
            0xC0, 0xA8, 0x00, 0xC7,
        ]
        XCTAssertEqual(InternetChecksum.of(header), 0xB861)
        var withChecksum = header
        withChecksum[10] = 0xB8
        withChecksum[11] = 0x61
        XCTAssertEqual(InternetChecksum.of(withChecksum), 0)
    }

    func testIPv4PseudoHeaderIsAddressesZeroProtocolAndLength() {
        var checksum = InternetChecksum()
        checksum.addPseudoHeader(
            source: .v4(0xC0A8_0001), destination: .v4(0xE000_0012), protocolNumber: 112, length: 20)
        let manual: [UInt8] = [192, 168, 0, 1, 224, 0, 0, 18, 0, 112, 0, 20]
        XCTAssertEqual(checksum.value, InternetChecksum.of(manual))
    }

    func testIPv6PseudoHeaderUsesA32BitLengthAndNextHeaderLast() throws {
        let source = try XCTUnwrap(IPAddress("fe80::1"))
        let destination = try XCTUnwrap(IPAddress("ff02::12"))
        var checksum = InternetChecksum()
        checksum.addPseudoHeader(source: source, destination: destination, protocolNumber: 112, length: 0x1_0024)
        checksum.add([0xAB])
        let manual = source.bytes + destination.bytes + [0, 1, 0, 0x24, 0, 0, 0, 112, 0xAB]
        XCTAssertEqual(checksum.value, InternetChecksum.of(manual))
    }
}
