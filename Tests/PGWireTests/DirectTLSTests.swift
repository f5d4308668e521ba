import PGWire
import XCTest

/// PostgreSQL 17's direct TLS: a connection that opens with a TLS ClientHello instead of a PostgreSQL packet.
final class DirectTLSTests: XCTestCase {
    /// The first 16 bytes of a ClientHello from Python 3.11's `ssl` (OpenSSL 3.0) with ALPN `postgresql`: record
    /// header (handshake, TLS 1.0 record version, 512 bytes), handshake header (client_hello, 508 bytes), then
    /// legacy_version 3.3 and the start of the random.
    static let clientHello: [UInt8] = [
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0x56, 0x13, 0x2C, 0x49, 0x1D,
    ]

    func testARealClientHelloIsDirectTLS() {
        XCTAssertEqual(FirstPacketHeader.classify(Self.clientHello), .directTLS)
        XCTAssertEqual(FirstPacketParser.parse(Self.clientHello), .directTLS)
    }

    func testTwoBytesAreEnoughAndOneIsNot() {
        XCTAssertEqual(FirstPacketHeader.classify([]), .needMore)
        XCTAssertEqual(FirstPacketHeader.classify([0x16]), .needMore)
        XCTAssertEqual(FirstPacketParser.parse([0x16]), .needMore(total: nil))
        XCTAssertEqual(FirstPacketHeader.classify([0x16, 0x03]), .directTLS)
        for count in 2...Self.clientHello.count {
            XCTAssertEqual(FirstPacketHeader.classify(Array(Self.clientHello.prefix(count))), .directTLS, "\(count)")
        }
    }

    func testEveryRecordMinorVersionIsLeftToTheServer() {
        // SSL 3.0 to TLS 1.3 and whatever comes next: RFC 8446 freezes the field, the server negotiates.
        for minor: UInt8 in [0x00, 0x01, 0x03, 0x04, 0xFF] {
            XCTAssertEqual(FirstPacketHeader.classify([0x16, 0x03, minor, 0x00, 0x05]), .directTLS, "\(minor)")
        }
    }

    func testA0x16NotFollowedByATLSVersionIsRefusedWithItsOwnReason() {
        // Neither TLS nor PostgreSQL (as a length it would be some 370 MB): refused before a server is dialled.
        for second: UInt8 in [0x00, 0x02, 0x04, 0x16, 0xFF] {
            let bytes: [UInt8] = [0x16, second, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01]
            XCTAssertEqual(FirstPacketHeader.classify(bytes), .rejected(.badTLSRecordVersion), "\(second)")
            XCTAssertEqual(FirstPacketParser.parse(bytes), .rejected(.badTLSRecordVersion), "\(second)")
        }
        XCTAssertEqual(
            ErrorResponse.protocolViolation(.badTLSRecordVersion).message,
            "pgfloat: invalid startup packet (badTLSRecordVersion)")
    }

    func testOtherRecordTypesKeepTheirOldVerdict() {
        // An alert (21) or application data (23) record is no ClientHello: still the oversized length it reads as.
        XCTAssertEqual(FirstPacketHeader.classify([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28, 0x00]),
                       .rejected(.lengthTooLarge))
        XCTAssertEqual(FirstPacketHeader.classify([0x17, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28, 0x00]),
                       .rejected(.lengthTooLarge))
    }

    func testPostgreSQLPacketsNeverStartWith0x16() {
        // The classification of TLS comes first; it must not shadow a packet PostgreSQL could accept.
        XCTAssertGreaterThan(UInt32(DirectTLS.handshakeContentType) << 24, UInt32(StartupLimits.maxStartupPacketLength))
        for (name, packet) in Golden.all {
            XCTAssertNotEqual(packet.first, DirectTLS.handshakeContentType, name)
        }
    }
}
