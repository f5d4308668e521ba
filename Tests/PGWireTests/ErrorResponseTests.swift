import PGWire
import XCTest

final class ErrorResponseTests: XCTestCase {
    func testEncodingGoldenBytes() {
        let response = ErrorResponse(severity: "FATAL", sqlState: "57P03", message: "no")
        var body: [UInt8] = []
        body += [0x53] + [0x46, 0x41, 0x54, 0x41, 0x4C, 0x00]  // 'S' "FATAL\0"
        body += [0x56] + [0x46, 0x41, 0x54, 0x41, 0x4C, 0x00]  // 'V' "FATAL\0"
        body += [0x43] + [0x35, 0x37, 0x50, 0x30, 0x33, 0x00]  // 'C' "57P03\0"
        body += [0x4D] + [0x6E, 0x6F, 0x00]  // 'M' "no\0"
        body += [0x00]  // Terminator.
        let expected: [UInt8] = [0x45, 0, 0, 0, UInt8(4 + body.count)] + body
        XCTAssertEqual(expected.count, 31)
        XCTAssertEqual(response.encoded, expected)
        XCTAssertEqual(ErrorResponse.decode(expected), response)
    }

    func testEncodingWithDetailAndHintGoldenBytes() {
        let response = ErrorResponse(severity: "ERROR", sqlState: "08P01", message: "m", detail: "d", hint: "h")
        let expected: [UInt8] = [0x45] + be32(4 + 7 + 7 + 7 + 3 + 3 + 3 + 1)
            + [0x53] + cstring("ERROR") + [0x56] + cstring("ERROR") + [0x43] + cstring("08P01")
            + [0x4D] + cstring("m") + [0x44] + cstring("d") + [0x48] + cstring("h") + [0]
        XCTAssertEqual(response.encoded, expected)
    }

    func testRoundTripsAllFields() {
        let responses = [
            ErrorResponse(sqlState: "53300", message: "too many"),
            ErrorResponse(severity: "ERROR", sqlState: "08P01", message: "bad", detail: "why", hint: "fix it"),
            ErrorResponse(sqlState: "57P01", message: "ünïcødé ✓", detail: "", hint: nil),
        ]
        for response in responses {
            XCTAssertEqual(ErrorResponse.decode(response.encoded), response)
        }
    }

    func testDecodeRejectsMalformedMessages() {
        let good = ErrorResponse(sqlState: "57P03", message: "x").encoded
        XCTAssertNotNil(ErrorResponse.decode(good))
        for count in 0..<good.count {
            XCTAssertNil(ErrorResponse.decode(Array(good.prefix(count))), "prefix \(count)")
        }
        XCTAssertNil(ErrorResponse.decode(good + [0]), "trailing byte")
        var wrongType = good
        wrongType[0] = 0x4E  // 'N' NoticeResponse.
        XCTAssertNil(ErrorResponse.decode(wrongType))
        var hugeLength = good
        hugeLength.replaceSubrange(1..<5, with: [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertNil(ErrorResponse.decode(hugeLength))
        // Missing the 'C' field.
        let noCode: [UInt8] = [0x45] + be32(4 + 7 + 3 + 1) + [0x53] + cstring("FATAL") + [0x4D] + cstring("x") + [0]
        XCTAssertNil(ErrorResponse.decode(noCode))
    }

    func testDecodeSkipsUnknownFieldsAndPrefersNonLocalizedSeverity() {
        let body: [UInt8] = [0x53] + cstring("FATALE") + [0x56] + cstring("FATAL") + [0x43] + cstring("57P03")
            + [0x4D] + cstring("m") + [0x52] + cstring("auth.c") + [0]
        let bytes = [0x45] + be32(UInt32(4 + body.count)) + body
        XCTAssertEqual(ErrorResponse.decode(bytes), ErrorResponse(severity: "FATAL", sqlState: "57P03", message: "m"))
    }

    func testEmbeddedNULIsDroppedToKeepFraming() {
        let response = ErrorResponse(sqlState: "08P01", message: "a\u{0}b")
        XCTAssertEqual(ErrorResponse.decode(response.encoded)?.message, "ab")
    }

    func testNoServerAvailableWholeSeconds() {
        let response = ErrorResponse.noServerAvailable(listener: "main", waited: .seconds(30))
        XCTAssertEqual(response.message, "pgfloat: no server available for \"main\" after 30s")
        XCTAssertEqual(response.sqlState, "57P03")
        XCTAssertEqual(response.sqlState, SQLState.cannotConnectNow)
        XCTAssertEqual(response.severity, "FATAL")
        XCTAssertEqual(ErrorResponse.decode(response.encoded), response)
    }

    func testNoServerAvailableMilliseconds() {
        let response = ErrorResponse.noServerAvailable(listener: "ro", waited: .milliseconds(250))
        XCTAssertEqual(response.message, "pgfloat: no server available for \"ro\" after 250ms")
        XCTAssertEqual(
            ErrorResponse.noServerAvailable(listener: "ro", waited: .milliseconds(1500)).message,
            "pgfloat: no server available for \"ro\" after 1500ms")
        XCTAssertEqual(
            ErrorResponse.noServerAvailable(listener: "ro", waited: .milliseconds(2000)).message,
            "pgfloat: no server available for \"ro\" after 2s")
    }

    func testNoServerAvailableExtremeDurationsDoNotTrap() {
        let huge = Duration.seconds(Int64.max) + .milliseconds(1)
        XCTAssertTrue(ErrorResponse.noServerAvailable(listener: "x", waited: huge).message.hasSuffix("s"))
        XCTAssertEqual(
            ErrorResponse.noServerAvailable(listener: "x", waited: .zero).message,
            "pgfloat: no server available for \"x\" after 0s")
    }

    func testTooManyConnections() {
        let response = ErrorResponse.tooManyConnections(listener: "main")
        XCTAssertEqual(response.sqlState, "53300")
        XCTAssertEqual(response.message, "pgfloat: too many connections for \"main\"")
        XCTAssertEqual(response.severity, "FATAL")
    }

    func testProtocolViolationForEveryReason() {
        for reason in FirstPacketRejection.allCases {
            let response = ErrorResponse.protocolViolation(reason)
            XCTAssertEqual(response.sqlState, "08P01")
            XCTAssertEqual(response.message, "pgfloat: invalid startup packet (\(reason.rawValue))")
        }
        XCTAssertEqual(
            ErrorResponse.protocolViolation(.lengthTooLarge).message,
            "pgfloat: invalid startup packet (lengthTooLarge)")
        XCTAssertEqual(FirstPacketRejection.allCases.count, 8)
    }

    func testShuttingDown() {
        let response = ErrorResponse.shuttingDown()
        XCTAssertEqual(response.sqlState, "57P01")
        XCTAssertEqual(response.sqlState, SQLState.adminShutdown)
        XCTAssertEqual(response.message, "pgfloat: server is shutting down")
    }

    func testSQLStateConstants() {
        XCTAssertEqual(SQLState.cannotConnectNow, "57P03")
        XCTAssertEqual(SQLState.tooManyConnections, "53300")
        XCTAssertEqual(SQLState.protocolViolation, "08P01")
        XCTAssertEqual(SQLState.adminShutdown, "57P01")
    }
}
