import AdminCore
@testable import AdminIO
import NIOCore
import NIOEmbedded
import XCTest

final class AdminLineDecoderTests: XCTestCase {
    private func lines(_ chunks: [String], close: Bool = true) throws -> [String] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(AdminLineDecoder()))
        for chunk in chunks { try channel.writeInbound(ByteBuffer(string: chunk)) }
        if close { _ = try channel.finish() }
        var out: [String] = []
        while let line = try channel.readInbound(as: AdminLine.self) {
            switch line {
            case .line(let text): out.append(text)
            case .oversized: out.append("<oversized>")
            }
        }
        return out
    }

    func testLinesAcrossChunksWithCRLFAndALastLineWithoutNewline() throws {
        XCTAssertEqual(try lines(["show ", "info\r\nshow", " stat\nhelp"]), ["show info", "show stat", "help"])
    }

    func testALineOverTheLimitIsReportedOnceAndTheRestDropped() throws {
        let long = String(repeating: "x", count: AdminSession.maxLineBytes + 10)
        XCTAssertEqual(try lines([long, "\nshow info\n"]), ["<oversized>"])
    }
}
