import PGWire
import XCTest

/// Inputs a hostile or broken client might send: none may trap, and answers must stay self-consistent.
final class FirstPacketRobustnessTests: XCTestCase {
    func testEveryTruncatedPrefixNeedsMore() {
        for (name, packet) in Golden.all {
            for count in 0..<packet.count {
                let expected: FirstPacketParse = count < 8 ? .needMore(total: nil) : .needMore(total: packet.count)
                XCTAssertEqual(FirstPacketParser.parse(Array(packet.prefix(count))), expected, "\(name) \(count)")
            }
            if case .complete(_, let consumed) = FirstPacketParser.parse(packet) {
                XCTAssertEqual(consumed, packet.count, name)
            } else {
                XCTFail("\(name) should parse when complete")
            }
        }
    }

    func testLargeAnnouncedStartupNeedsMoreUntilComplete() {
        // A legal 10000-byte packet: header says how much to wait for.
        let header = be32(10000) + be32(3 << 16)
        XCTAssertEqual(FirstPacketParser.parse(header + [0x75]), .needMore(total: 10000))
    }

    func testRandomGarbageNeverTraps() {
        var rng = SeededGenerator(seed: 0x5047_464C_4F41_54)
        var outcomes: [String: Int] = [:]
        for _ in 0..<5000 {
            let bytes = rng.bytes(Int.random(in: 0...64, using: &rng))
            let result = FirstPacketParser.parse(bytes)
            assertConsistent(result, bytes: bytes)
            outcomes[kind(result), default: 0] += 1
        }
        // Uniform garbage almost always has a huge or negative length; both must show up as rejections.
        XCTAssertGreaterThan(outcomes["rejected", default: 0], 4000)
    }

    func testPlausibleHeadersWithRandomBodiesNeverTrap() {
        // Random bodies behind believable headers reach the cancel and startup body decoders.
        var rng = SeededGenerator(seed: 42)
        let codes: [UInt32] = [RequestCode.ssl, RequestCode.gssenc, RequestCode.cancel, 3 << 16, 3 << 16 | 2]
        var completes = 0
        for iteration in 0..<4000 {
            let code = codes[iteration % codes.count]
            let length = Int.random(in: 0...300, using: &rng)
            var body = rng.bytes(max(0, length - 8))
            // Bias towards well-formed NUL structure so some startups succeed.
            for index in body.indices where Int.random(in: 0..<4, using: &rng) == 0 { body[index] = 0 }
            let available = Int.random(in: 0...(8 + body.count), using: &rng)
            let bytes = Array((be32(UInt32(length)) + be32(code) + body).prefix(available))
            let result = FirstPacketParser.parse(bytes)
            assertConsistent(result, bytes: bytes)
            if case .complete = result { completes += 1 }
        }
        XCTAssertGreaterThan(completes, 0)
    }

    func testMutatedGoldenPacketsNeverTrap() {
        var rng = SeededGenerator(seed: 7)
        for iteration in 0..<3000 {
            var packet = Golden.all[iteration % Golden.all.count].bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                packet[Int.random(in: 0..<packet.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            assertConsistent(FirstPacketParser.parse(packet), bytes: packet)
        }
    }

    func testErrorResponseDecodeOfGarbageNeverTraps() {
        var rng = SeededGenerator(seed: 99)
        var decoded = 0
        for _ in 0..<3000 {
            var bytes = rng.bytes(Int.random(in: 0...40, using: &rng))
            if !bytes.isEmpty, Bool.random(using: &rng) { bytes[0] = 0x45 }
            if let response = ErrorResponse.decode(bytes) {
                decoded += 1
                XCTAssertEqual(bytes.first, 0x45, "\(response)")
            }
        }
        // Random bytes essentially never form a valid message with S/V, C and M fields and exact length.
        XCTAssertEqual(decoded, 0)
    }

    // MARK: - Helpers

    private func kind(_ result: FirstPacketParse) -> String {
        switch result {
        case .needMore: return "needMore"
        case .complete: return "complete"
        case .rejected: return "rejected"
        case .directTLS: return "directTLS"
        }
    }

    /// The parse result must agree with the header classification and never claim more bytes than exist.
    private func assertConsistent(_ result: FirstPacketParse, bytes: [UInt8], line: UInt = #line) {
        let header = FirstPacketHeader.classify(bytes)
        switch result {
        case .directTLS:
            XCTAssertEqual(header, .directTLS, line: line)
            XCTAssertEqual(Array(bytes.prefix(2)), [0x16, 0x03], line: line)
        case .needMore(let total):
            if bytes.count < 8 {
                XCTAssertNil(total, line: line)
                XCTAssertEqual(header, .needMore, line: line)
            } else if let total {
                XCTAssertGreaterThan(total, bytes.count, line: line)
                XCTAssertLessThanOrEqual(total, StartupLimits.maxStartupPacketLength, line: line)
            } else {
                XCTFail("needMore without total after a full header", line: line)
            }
        case .complete(let packet, let consumed):
            XCTAssertLessThanOrEqual(consumed, bytes.count, line: line)
            switch (packet, header) {
            case (.sslRequest, .sslRequest), (.gssencRequest, .gssencRequest):
                XCTAssertEqual(consumed, 8, line: line)
            case (.cancel(let request), .cancelRequest(let length)):
                XCTAssertEqual(consumed, length, line: line)
                XCTAssertEqual(request.encoded, Array(bytes.prefix(consumed)), line: line)
            case (.startup, .startup(let length, _, _)):
                // Lossy UTF-8 decoding means re-encoding need not reproduce the bytes, only the framing.
                XCTAssertEqual(consumed, length, line: line)
            default:
                XCTFail("packet \(packet) disagrees with header \(header)", line: line)
            }
        case .rejected(let reason):
            if case .rejected(let headerReason) = header {
                XCTAssertEqual(headerReason, reason, line: line)
            } else {
                // Only body problems may be found after the header passed.
                XCTAssertEqual(reason, .malformedStartupParameters, line: line)
            }
        }
    }
}
