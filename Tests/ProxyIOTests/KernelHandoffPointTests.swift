@testable import ProxyIO
import XCTest

/// Where a session may be handed to the kernel relay: only where both peers wait for each other.
final class KernelHandoffPointTests: XCTestCase {
    private func quiet(_ bytes: [UInt8], _ point: KernelHandoffPoint) -> Bool {
        bytes.withUnsafeBytes { DataPlane.isQuietPoint($0, point) }
    }

    private let readyForQuery: [UInt8] = [UInt8(ascii: "Z"), 0, 0, 0, 5, UInt8(ascii: "I")]

    func testAChunkEndingWithReadyForQueryIsQuiet() {
        let parameterStatus: [UInt8] = [UInt8(ascii: "S"), 0, 0, 0, 8] + Array("a\0b\0".utf8)
        XCTAssertTrue(quiet(readyForQuery, .afterReadyForQuery))
        XCTAssertTrue(quiet(parameterStatus + readyForQuery, .afterReadyForQuery))
        for status in [UInt8(ascii: "T"), UInt8(ascii: "E")] {
            XCTAssertTrue(quiet(Array(readyForQuery.dropLast()) + [status], .afterReadyForQuery))
        }
    }

    func testBytesAfterReadyForQueryOrAnotherEndAreNotQuiet() {
        XCTAssertFalse(quiet(readyForQuery + [UInt8(ascii: "N")], .afterReadyForQuery))
        XCTAssertFalse(quiet(Array(readyForQuery.dropLast()) + [UInt8(ascii: "X")], .afterReadyForQuery))
        XCTAssertFalse(quiet([UInt8(ascii: "Z"), 0, 0, 0, 6, UInt8(ascii: "I")], .afterReadyForQuery))
        XCTAssertFalse(quiet(Array(readyForQuery.suffix(5)), .afterReadyForQuery))
        XCTAssertFalse(quiet([], .afterReadyForQuery))
    }

    func testOnlyTheOneByteEncryptionAnswerIsQuiet() {
        XCTAssertTrue(quiet([UInt8(ascii: "S")], .afterEncryptionAnswer))
        XCTAssertTrue(quiet([UInt8(ascii: "G")], .afterEncryptionAnswer))
        XCTAssertFalse(quiet([UInt8(ascii: "N")], .afterEncryptionAnswer))
        XCTAssertFalse(quiet([UInt8(ascii: "S"), 0x16], .afterEncryptionAnswer))
    }

    func testNothingIsQuietBeforeTheScanDecided() {
        XCTAssertFalse(quiet(readyForQuery, .none))
        XCTAssertFalse(quiet([UInt8(ascii: "S")], .none))
    }
}
