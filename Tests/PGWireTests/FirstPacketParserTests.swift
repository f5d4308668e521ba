import PGWire
import XCTest

final class FirstPacketParserTests: XCTestCase {
    func testParsesSSLRequest() {
        XCTAssertEqual(FirstPacketParser.parse(Golden.sslRequest), .complete(.sslRequest, consumed: 8))
        XCTAssertEqual(FirstPacket.sslRequest.encoded, Golden.sslRequest)
    }

    func testParsesGSSENCRequest() {
        XCTAssertEqual(FirstPacketParser.parse(Golden.gssencRequest), .complete(.gssencRequest, consumed: 8))
        XCTAssertEqual(FirstPacket.gssencRequest.encoded, Golden.gssencRequest)
    }

    func testSSLRequestFollowedByMoreBytesConsumesOnlyEight() {
        let result = FirstPacketParser.parse(Golden.sslRequest + [0x16, 0x03, 0x01])
        XCTAssertEqual(result, .complete(.sslRequest, consumed: 8))
    }

    func testClassicCancelGoldenAndRoundTrip() {
        let expected = CancelRequest(processID: 12345, secretKey: [0xDE, 0xAD, 0xBE, 0xEF])
        XCTAssertEqual(FirstPacketParser.parse(Golden.classicCancel), .complete(.cancel(expected), consumed: 16))
        XCTAssertEqual(expected.encoded, Golden.classicCancel)
    }

    func testPG18ThirtyTwoByteCancelKeyRoundTrip() {
        let key = (0..<32).map { UInt8($0) }
        let expected = CancelRequest(processID: 123_456, secretKey: key)
        XCTAssertEqual(expected.encoded, Golden.pg18Cancel)
        guard case .complete(.cancel(let parsed), let consumed) = FirstPacketParser.parse(Golden.pg18Cancel) else {
            return XCTFail("expected a complete cancel request")
        }
        XCTAssertEqual(consumed, 44)
        XCTAssertEqual(parsed.processID, 123_456)
        XCTAssertEqual(parsed.secretKey, key)
        XCTAssertEqual(parsed.encoded, Golden.pg18Cancel)
    }

    func testLargestPG18CancelKeyRoundTrip() {
        let request = CancelRequest(processID: 0xFFFF_FFFF, secretKey: [UInt8](repeating: 0x5A, count: 256))
        XCTAssertEqual(request.encoded.count, 268)
        XCTAssertEqual(FirstPacketParser.parse(request.encoded), .complete(.cancel(request), consumed: 268))
    }

    func testStartupGoldenAndRoundTrip() {
        guard case .complete(.startup(let message), let consumed) = FirstPacketParser.parse(Golden.startup) else {
            return XCTFail("expected a complete startup message")
        }
        XCTAssertEqual(consumed, Golden.startup.count)
        XCTAssertEqual(message.majorVersion, 3)
        XCTAssertEqual(message.minorVersion, 0)
        XCTAssertEqual(
            message.parameters,
            [StartupParameter(name: "user", value: "alice"), StartupParameter(name: "database", value: "shop")])
        XCTAssertEqual(message["user"], "alice")
        XCTAssertEqual(message["database"], "shop")
        XCTAssertNil(message["application_name"])
        XCTAssertEqual(message.encoded, Golden.startup)
    }

    func testStartupProtocol32WithApplicationNameRoundTrip() {
        let message = StartupMessage(
            majorVersion: 3, minorVersion: 2,
            parameters: [
                StartupParameter(name: "user", value: "bob"),
                StartupParameter(name: "database", value: "ledger"),
                StartupParameter(name: "application_name", value: "psql"),
                StartupParameter(name: "options", value: ""),
                StartupParameter(name: "_pq_.test", value: "x"),
            ])
        let bytes = message.encoded
        XCTAssertEqual(Array(bytes[4..<8]), [0, 3, 0, 2])
        XCTAssertEqual(bytes.last, 0)
        XCTAssertEqual(FirstPacketParser.parse(bytes), .complete(.startup(message), consumed: bytes.count))
        XCTAssertEqual(message["application_name"], "psql")
        XCTAssertEqual(message["options"], "")
    }

    func testStartupWithNoParametersIsJustTheTerminator() {
        let bytes: [UInt8] = [0, 0, 0, 9, 0, 3, 0, 0, 0]
        let empty = StartupMessage(parameters: [])
        XCTAssertEqual(empty.encoded, bytes)
        XCTAssertEqual(FirstPacketParser.parse(bytes), .complete(.startup(empty), consumed: 9))
    }

    func testRepeatedParameterLastValueWins() {
        let message = StartupMessage(parameters: [
            StartupParameter(name: "user", value: "first"), StartupParameter(name: "user", value: "second"),
        ])
        XCTAssertEqual(message["user"], "second")
    }

    func testStartupMissingFinalTerminatorIsMalformed() {
        // "user\0alice\0" with no extra NUL.
        let body = cstring("user") + cstring("alice")
        let bytes = be32(UInt32(8 + body.count)) + be32(3 << 16) + body
        XCTAssertEqual(FirstPacketParser.parse(bytes), .rejected(.malformedStartupParameters))
    }

    func testStartupWithOddStringCountIsMalformed() {
        // "user\0alice\0database\0" then the terminator: a name with no value.
        let body = cstring("user") + cstring("alice") + cstring("database") + [0]
        let bytes = be32(UInt32(8 + body.count)) + be32(3 << 16) + body
        XCTAssertEqual(FirstPacketParser.parse(bytes), .rejected(.malformedStartupParameters))
    }

    func testStartupWithUnterminatedValueIsMalformed() {
        let body = cstring("user") + Array("alice".utf8)
        let bytes = be32(UInt32(8 + body.count)) + be32(3 << 16) + body
        XCTAssertEqual(FirstPacketParser.parse(bytes), .rejected(.malformedStartupParameters))
    }

    func testStartupWithBytesAfterTerminatorIsMalformed() {
        let body = cstring("user") + cstring("alice") + [0] + [0x41]
        let bytes = be32(UInt32(8 + body.count)) + be32(3 << 16) + body
        XCTAssertEqual(FirstPacketParser.parse(bytes), .rejected(.malformedStartupParameters))
    }

    func testStartupNonUTF8DecodesLossily() {
        let body = cstring("user") + [0x61, 0xFF, 0x62, 0] + [0]
        let bytes = be32(UInt32(8 + body.count)) + be32(3 << 16) + body
        guard case .complete(.startup(let message), _) = FirstPacketParser.parse(bytes) else {
            return XCTFail("expected a complete startup message")
        }
        XCTAssertEqual(message["user"], "a\u{FFFD}b")
    }

    func testBytesBeyondPacketAreNotConsumed() {
        let trailing: [UInt8] = [0x51, 0, 0, 0, 5]
        let result = FirstPacketParser.parse(Golden.startup + trailing)
        guard case .complete(_, let consumed) = result else { return XCTFail("expected complete, got \(result)") }
        XCTAssertEqual(consumed, Golden.startup.count)
    }

    func testHeaderRejectionsPassThrough() {
        XCTAssertEqual(FirstPacketParser.parse(be32(9) + be32(RequestCode.ssl)), .rejected(.badLengthForRequest))
        XCTAssertEqual(FirstPacketParser.parse(be32(300) + be32(RequestCode.cancel)), .rejected(.badCancelKeyLength))
        XCTAssertEqual(FirstPacketParser.parse(be32(20) + be32(2 << 16)), .rejected(.unsupportedProtocolVersion))
        XCTAssertEqual(FirstPacketParser.parse(be32(4) + be32(3 << 16)), .rejected(.lengthTooShort))
    }

    func testParsesFromRawBufferPointer() {
        Golden.startup.withUnsafeBytes { raw in
            if case .complete(.startup(let message), _) = FirstPacketParser.parse(raw) {
                XCTAssertEqual(message["user"], "alice")
            } else {
                XCTFail("expected a complete startup message")
            }
        }
    }

    func testEncryptionRefusalIsN() {
        XCTAssertEqual(EncryptionRefusal.byte, UInt8(ascii: "N"))
    }
}
