import DCSCore
import XCTest

final class LineSplitterTests: XCTestCase {
    func testLinesSplitAcrossChunksComeOutWhole() throws {
        var splitter = LineSplitter()
        XCTAssertEqual(try splitter.feed(Array("{\"a\":".utf8)), [])
        XCTAssertEqual(try splitter.feed(Array("1}\n{\"b\"".utf8)), [Array("{\"a\":1}".utf8)])
        XCTAssertEqual(try splitter.feed(Array(":2}\r\n\n".utf8)), [Array("{\"b\":2}".utf8)])
    }

    func testAnOverlongLineIsRefused() {
        var splitter = LineSplitter(maxLine: 8)
        XCTAssertThrowsError(try splitter.feed([UInt8](repeating: UInt8(ascii: "x"), count: 9)))
    }

    func testResetDropsAPartialLine() throws {
        var splitter = LineSplitter()
        _ = try splitter.feed(Array("partial".utf8))
        splitter.reset()
        XCTAssertEqual(try splitter.feed(Array("x\n".utf8)), [Array("x".utf8)])
    }
}
