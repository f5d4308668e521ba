import PGWire
import XCTest

final class FirstPacketHeaderTests: XCTestCase {
    func testRequestCodesMatchDocumentedDecimalValues() {
        XCTAssertEqual(RequestCode.cancel, 1234 << 16 | 5678)
        XCTAssertEqual(RequestCode.ssl, 1234 << 16 | 5679)
        XCTAssertEqual(RequestCode.gssenc, 1234 << 16 | 5680)
        XCTAssertEqual(be32(RequestCode.ssl), [0x04, 0xD2, 0x16, 0x2F])
    }

    func testFewerThanEightBytesNeedsMore() {
        for count in 0..<8 {
            XCTAssertEqual(FirstPacketHeader.classify(Array(Golden.startup.prefix(count))), .needMore, "\(count)")
        }
    }

    func testClassifiesEachGoldenHeader() {
        XCTAssertEqual(FirstPacketHeader.classify(Golden.sslRequest), .sslRequest)
        XCTAssertEqual(FirstPacketHeader.classify(Golden.gssencRequest), .gssencRequest)
        XCTAssertEqual(FirstPacketHeader.classify(Array(Golden.classicCancel.prefix(8))), .cancelRequest(length: 16))
        XCTAssertEqual(FirstPacketHeader.classify(Array(Golden.pg18Cancel.prefix(8))), .cancelRequest(length: 44))
        XCTAssertEqual(
            FirstPacketHeader.classify(Array(Golden.startup.prefix(8))),
            .startup(length: Golden.startup.count, majorVersion: 3, minorVersion: 0))
    }

    func testAcceptsAnyMinorVersionOfProtocol3() {
        for minor: UInt16 in [0, 1, 2, 0xFFFF] {
            let header = [0, 0, 0, 9] + be32(3 << 16 | UInt32(minor))
            XCTAssertEqual(
                FirstPacketHeader.classify(header), .startup(length: 9, majorVersion: 3, minorVersion: minor))
        }
    }

    func testRejectsOtherProtocolMajorVersions() {
        for major: UInt32 in [0, 1, 2, 4, 0xFFFF] {
            let header = [0, 0, 0, 20] + be32(major << 16)
            XCTAssertEqual(FirstPacketHeader.classify(header), .rejected(.unsupportedProtocolVersion), "\(major)")
        }
    }

    func testRejectsUnknownCodeInReservedRange() {
        // 1234.5681 is the next code after GSSENCRequest; 1234.0 is also reserved, not a protocol version.
        for minor: UInt32 in [5677, 5681, 0] {
            XCTAssertEqual(
                FirstPacketHeader.classify([0, 0, 0, 8] + be32(1234 << 16 | minor)), .rejected(.unknownRequestCode))
        }
    }

    func testOversizedLengthRejectedFromEightBytes() {
        let header = be32(0x4000_0000) + be32(3 << 16)
        XCTAssertEqual(header.count, 8)
        XCTAssertEqual(FirstPacketHeader.classify(header), .rejected(.lengthTooLarge))
        XCTAssertEqual(FirstPacketParser.parse(header), .rejected(.lengthTooLarge))
    }

    func testLengthLimitBoundary() {
        let code = be32(3 << 16)
        XCTAssertEqual(
            FirstPacketHeader.classify(be32(10000) + code), .startup(length: 10000, majorVersion: 3, minorVersion: 0))
        XCTAssertEqual(FirstPacketHeader.classify(be32(10001) + code), .rejected(.lengthTooLarge))
        XCTAssertEqual(FirstPacketHeader.classify(be32(0x7FFF_FFFF) + code), .rejected(.lengthTooLarge))
        XCTAssertEqual(StartupLimits.maxStartupPacketLength, 10000)
    }

    func testNegativeLengthRejectedAsTooShort() {
        for length: UInt32 in [0xFFFF_FFFF, 0x8000_0000, 0xFFFF_FFF8] {
            XCTAssertEqual(FirstPacketHeader.classify(be32(length) + be32(3 << 16)), .rejected(.lengthTooShort))
            XCTAssertEqual(FirstPacketParser.parse(be32(length) + be32(RequestCode.ssl)), .rejected(.lengthTooShort))
        }
    }

    func testLengthBelowHeaderRejected() {
        for length: UInt32 in 0..<8 {
            let header = be32(length) + be32(RequestCode.ssl)
            XCTAssertEqual(FirstPacketHeader.classify(header), .rejected(.lengthTooShort))
        }
    }

    func testEncryptionRequestsMustBeExactlyEightBytes() {
        XCTAssertEqual(FirstPacketHeader.classify(be32(9) + be32(RequestCode.ssl)), .rejected(.badLengthForRequest))
        XCTAssertEqual(
            FirstPacketHeader.classify(be32(16) + be32(RequestCode.gssenc)), .rejected(.badLengthForRequest))
    }

    func testCancelLengthBounds() {
        let code = be32(RequestCode.cancel)
        XCTAssertEqual(FirstPacketHeader.classify(be32(8) + code), .rejected(.badCancelKeyLength))
        XCTAssertEqual(FirstPacketHeader.classify(be32(15) + code), .rejected(.badCancelKeyLength))
        XCTAssertEqual(FirstPacketHeader.classify(be32(16) + code), .cancelRequest(length: 16))
        XCTAssertEqual(FirstPacketHeader.classify(be32(268) + code), .cancelRequest(length: 268))
        XCTAssertEqual(FirstPacketHeader.classify(be32(269) + code), .rejected(.badCancelKeyLength))
    }

    func testStartupWithNoRoomForTerminatorRejected() {
        XCTAssertEqual(FirstPacketHeader.classify(be32(8) + be32(3 << 16)), .rejected(.malformedStartupParameters))
    }

    func testClassifiesFromUnalignedRawBuffer() {
        // A header that starts at an odd offset of a larger read buffer must read the same.
        let buffer: [UInt8] = [0xAA] + Golden.classicCancel
        buffer.withUnsafeBytes { raw in
            let slice = UnsafeRawBufferPointer(rebasing: raw[1...])
            XCTAssertEqual(FirstPacketHeader.classify(slice), .cancelRequest(length: 16))
        }
    }
}
