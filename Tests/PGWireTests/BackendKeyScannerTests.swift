import PGWire
import XCTest

/// Server messages written out byte by byte from PostgreSQL's "Message Formats" page.
private enum ServerGolden {
    /// AuthenticationOk: 'R', length 8, code 0.
    static let authenticationOk: [UInt8] = [0x52, 0, 0, 0, 8, 0, 0, 0, 0]
    /// AuthenticationSASL (code 10) offering SCRAM-SHA-256.
    static let authenticationSASL: [UInt8] =
        [0x52] + be32(4 + 4 + 14 + 1) + be32(10) + cstring("SCRAM-SHA-256") + [0]
    /// ParameterStatus server_version = 15.4.
    static let parameterStatus: [UInt8] = [0x53] + be32(4 + 15 + 5) + cstring("server_version") + cstring("15.4")
    /// BackendKeyData: 'K', length 12, pid 0x00003039 (12345), secret DE AD BE EF.
    static let backendKeyData: [UInt8] = [0x4B, 0, 0, 0, 12, 0, 0, 0x30, 0x39, 0xDE, 0xAD, 0xBE, 0xEF]
    static let key = BackendKey(processID: 12345, secretKey: [0xDE, 0xAD, 0xBE, 0xEF])
    /// ReadyForQuery, idle.
    static let readyForQuery: [UInt8] = [0x5A, 0, 0, 0, 5, 0x49]
    /// NoticeResponse with one field (severity) and the terminator.
    static let notice: [UInt8] = [0x4E] + be32(4 + 1 + 7 + 1) + [0x53] + cstring("NOTICE") + [0]
    /// ErrorResponse with one field (SQLSTATE) and the terminator.
    static let error: [UInt8] = [0x45] + be32(4 + 1 + 6 + 1) + [0x43] + cstring("28P01") + [0]

    /// What PostgreSQL sends after a trust login: auth ok, parameters, key, ready.
    static let startup = authenticationOk + parameterStatus + parameterStatus + backendKeyData + readyForQuery
}

final class BackendKeyScannerTests: XCTestCase {
    private func scanAll(_ chunks: [[UInt8]], start: BackendKeyScanner.Start = .startup, limit: Int? = nil)
        -> BackendKeyScanner.Progress
    {
        var scanner = BackendKeyScanner(start: start, byteLimit: limit ?? BackendKeyScanner.defaultByteLimit)
        var progress = BackendKeyScanner.Progress.needMore
        for chunk in chunks { progress = scanner.scan(chunk) }
        return progress
    }

    func testAPlainStartupYieldsTheKey() {
        XCTAssertEqual(scanAll([ServerGolden.startup]), .finished(.key(ServerGolden.key)))
    }

    func testAScramExchangeAndANoticeAreSkipped() {
        let stream = ServerGolden.authenticationSASL + ServerGolden.notice + ServerGolden.authenticationOk
            + ServerGolden.backendKeyData
        XCTAssertEqual(scanAll([stream]), .finished(.key(ServerGolden.key)))
    }

    func testEverySplitPointGivesTheSameKey() {
        let stream = ServerGolden.startup
        for cut in 0...stream.count {
            let chunks = [Array(stream[..<cut]), Array(stream[cut...])]
            XCTAssertEqual(scanAll(chunks), .finished(.key(ServerGolden.key)), "cut at \(cut)")
        }
    }

    func testEveryPairOfSplitPointsGivesTheSameKey() {
        let stream = ServerGolden.authenticationOk + ServerGolden.backendKeyData + ServerGolden.readyForQuery
        for first in 0...stream.count {
            for second in first...stream.count {
                let chunks = [Array(stream[..<first]), Array(stream[first..<second]), Array(stream[second...])]
                XCTAssertEqual(scanAll(chunks), .finished(.key(ServerGolden.key)), "cuts at \(first), \(second)")
            }
        }
    }

    func testOneByteAtATimeNeedsMoreUntilTheLastKeyByte() {
        var scanner = BackendKeyScanner(start: .startup)
        let beforeKeyEnds = ServerGolden.startup.count - ServerGolden.readyForQuery.count - 1
        for (index, byte) in ServerGolden.startup.enumerated() {
            let progress = scanner.scan([byte])
            if index < beforeKeyEnds {
                XCTAssertEqual(progress, .needMore, "byte \(index)")
            } else {
                XCTAssertEqual(progress, .finished(.key(ServerGolden.key)), "byte \(index)")
            }
        }
    }

    func testTheOutcomeIsStickyWhateverFollows() {
        var scanner = BackendKeyScanner(start: .startup)
        XCTAssertEqual(scanner.scan(ServerGolden.startup), .finished(.key(ServerGolden.key)))
        XCTAssertEqual(scanner.scan([0xFF, 0xFF, 0xFF]), .finished(.key(ServerGolden.key)))
        XCTAssertEqual(scanner.scan([]), .finished(.key(ServerGolden.key)))
    }

    func testEmptyChunksChangeNothing() {
        XCTAssertEqual(scanAll([[], [], ServerGolden.authenticationOk, []]), .needMore)
    }

    func testAProtocol32KeyOf32BytesIsKept() {
        let secret = (0..<32).map { UInt8($0) }
        let keyData = [0x4B] + be32(4 + 4 + 32) + be32(123_456) + secret
        XCTAssertEqual(
            scanAll([ServerGolden.authenticationOk + keyData]),
            .finished(.key(BackendKey(processID: 123_456, secretKey: secret))))
    }

    func testTheLongestProtocol32KeyIsKept() {
        let secret = [UInt8](repeating: 0xA5, count: 256)
        let keyData = [0x4B] + be32(4 + 4 + 256) + be32(7) + secret
        XCTAssertEqual(scanAll([keyData]), .finished(.key(BackendKey(processID: 7, secretKey: secret))))
    }

    func testReadyForQueryWithoutAKeyEndsTheScan() {
        let stream = ServerGolden.authenticationOk + ServerGolden.readyForQuery + ServerGolden.backendKeyData
        XCTAssertEqual(scanAll([stream]), .finished(.noKey))
    }

    func testAnErrorDuringStartupEndsTheScan() {
        XCTAssertEqual(scanAll([ServerGolden.error + ServerGolden.backendKeyData]), .finished(.serverError))
    }

    // MARK: - Encryption requests

    func testTLSAcceptedMeansNoKeyCanBeRead() {
        // After 'S' the stream is TLS records; bytes that would look like a key in the clear must not count.
        XCTAssertEqual(
            scanAll([[0x53] + ServerGolden.startup], start: .encryptionRequest), .finished(.encrypted))
    }

    func testGSSAcceptedMeansNoKeyCanBeRead() {
        XCTAssertEqual(scanAll([[0x47], ServerGolden.startup], start: .encryptionRequest), .finished(.encrypted))
    }

    func testRefusedEncryptionIsFollowedByAPlainStartup() {
        XCTAssertEqual(
            scanAll([[0x4E], ServerGolden.startup], start: .encryptionRequest),
            .finished(.key(ServerGolden.key)))
    }

    func testGSSRefusedThenTLSRefusedThenAPlainStartup() {
        // libpq with gssencmode=prefer and sslmode=prefer asks twice on one connection.
        XCTAssertEqual(
            scanAll([[0x4E, 0x4E] + ServerGolden.startup], start: .encryptionRequest),
            .finished(.key(ServerGolden.key)))
    }

    func testGSSRefusedThenTLSAccepted() {
        XCTAssertEqual(scanAll([[0x4E], [0x53]], start: .encryptionRequest), .finished(.encrypted))
    }

    func testTheRefusalByteIsNotAMessageWhenTheClientStartedUpInTheClear() {
        // Without an encryption request 'N' is a NoticeResponse header, framed like any message.
        XCTAssertEqual(
            scanAll([ServerGolden.notice + ServerGolden.backendKeyData]), .finished(.key(ServerGolden.key)))
    }

    func testAnOldServerErrorAnsweringTheRequestEndsTheScan() {
        XCTAssertEqual(scanAll([ServerGolden.error], start: .encryptionRequest), .finished(.serverError))
    }

    // MARK: - Malformed input

    func testAKeyWithAShortSecretIsMalformed() {
        for length: UInt32 in [4, 8, 11] {
            XCTAssertEqual(scanAll([[0x4B] + be32(length) + [0, 0, 0, 1]]), .finished(.malformed), "\(length)")
        }
    }

    func testAKeyLongerThanProtocol32AllowsIsMalformed() {
        XCTAssertEqual(scanAll([[0x4B] + be32(4 + 4 + 257)]), .finished(.malformed))
    }

    func testLengthsBelowFourOrNegativeAreMalformed() {
        for length: UInt32 in [0, 1, 3, 0x8000_0000, 0xFFFF_FFFF] {
            XCTAssertEqual(scanAll([[0x52] + be32(length)]), .finished(.malformed), "\(length)")
        }
    }

    func testAnUnexpectedTypeIsMalformed() {
        // 'D' (DataRow) cannot come before ReadyForQuery; nor can TLS record bytes.
        XCTAssertEqual(scanAll([[0x44, 0, 0, 0, 4]]), .finished(.malformed))
        XCTAssertEqual(scanAll([[0x16, 0x03, 0x03]], start: .encryptionRequest), .finished(.malformed))
    }

    func testAMessageLargerThanTheLimitStopsAtItsHeader() {
        let huge = [0x52] + be32(0x7FFF_FFFF)
        XCTAssertEqual(scanAll([huge]), .finished(.tooLong))
    }

    func testManySmallMessagesStopAtTheLimit() {
        let notices = Array([[UInt8]](repeating: ServerGolden.notice, count: 20).joined())
        XCTAssertEqual(scanAll([notices], limit: 100), .finished(.tooLong))
        XCTAssertEqual(scanAll([notices + ServerGolden.backendKeyData]), .finished(.key(ServerGolden.key)))
    }

    /// Found by the pg-backend-key fuzzer: a long protocol 3.2 key whose body ends past the limit was kept when it
    /// arrived in one read (the body was taken whole) and refused as too long when it came in pieces.
    func testAKeyEndingPastTheLimitIsTooLongHoweverItIsRead() {
        let key = [0x4B] + be32(8 + 64) + be32(7) + [UInt8](repeating: 0xC4, count: 64)
        let stream = ServerGolden.authenticationOk + key
        let limit = stream.count - 1
        XCTAssertEqual(scanAll([stream], limit: limit), .finished(.tooLong))
        XCTAssertEqual(scanAll(stream.map { [$0] }, limit: limit), .finished(.tooLong))
        XCTAssertEqual(scanAll([stream], limit: stream.count), .finished(.key(BackendKey(
            processID: 7, secretKey: [UInt8](repeating: 0xC4, count: 64)))))
        XCTAssertEqual(scanAll(stream.map { [$0] }, limit: stream.count), scanAll([stream], limit: stream.count))
    }

    func testRandomStreamsNeverTrapAndAlwaysDecideWithinTheLimit() {
        var rng = SeededGenerator(seed: 0x4B45_5953_4341_4E)
        for round in 0..<3000 {
            let start: BackendKeyScanner.Start = round % 2 == 0 ? .startup : .encryptionRequest
            var scanner = BackendKeyScanner(start: start, byteLimit: 512)
            var progress = BackendKeyScanner.Progress.needMore
            // Plausible prefixes reach the deeper states more often than uniform noise does.
            var stream = round % 3 == 0 ? ServerGolden.authenticationOk : []
            stream += rng.bytes(Int.random(in: 0...700, using: &rng))
            var index = 0
            while index < stream.count {
                let size = Int.random(in: 1...64, using: &rng)
                let end = min(stream.count, index + size)
                progress = scanner.scan(Array(stream[index..<end]))
                index = end
            }
            if stream.count > 512 { XCTAssertNotEqual(progress, .needMore, "round \(round) never decided") }
        }
    }
}
