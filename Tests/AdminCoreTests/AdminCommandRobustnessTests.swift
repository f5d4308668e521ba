import XCTest

@testable import AdminCore

/// The admin socket is reachable by whoever can write to it: no input may crash, hang, or produce an answer that
/// spans lines or echoes a flood.
final class AdminCommandRobustnessTests: XCTestCase {
    func testMegabyteOfGarbageGivesAShortOneLineError() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<1_048_576).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let line = String(decoding: bytes, as: UTF8.self)
        let start = Date()
        for text in AdminCommandLine.split(line).prefix(100) {
            assertShortOneLine(message(text))
        }
        var session = AdminSession()
        let step = session.receive(line: line)
        XCTAssertTrue(step.close)
        for case .failure(let error) in step.commands {
            assertShortOneLine(error.message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 20, "parsing must stay linear")
    }

    func testMegabyteWordIsEchoedTruncated() {
        let text = String(repeating: "x", count: 1_048_576)
        let error = message(text)
        XCTAssertTrue(error.hasPrefix("Unknown command: '" + String(repeating: "x", count: 80) + "...'"), error)
        assertShortOneLine(error)
    }

    func testWordsStopAtTheLimitSoAMillionWordsAreNotAllKept() {
        let text = Substring("show info" + String(repeating: " x", count: 500_000))
        XCTAssertEqual(AdminCommandLine.words(of: text, limit: 3), ["show", "info", "x"])
        XCTAssertEqual(AdminCommandLine.words(of: "a\tb ", limit: 3), ["a", "b"])
        XCTAssertEqual(message(String(text)), "Unexpected argument: 'x'.")
    }

    func testControlCharactersAreNeverEchoed() {
        let error = message("sh\u{1B}[2Jow\n\r\u{0}\u{7F}\u{85}\u{2028}\u{202E} info")
        XCTAssertEqual(error, "Unknown command: 'sh?[2Jow'. Type 'help' for the list.")
        let nul = message("\u{0}\u{1}\u{2}")
        XCTAssertEqual(nul, "Unknown command: '???'. Type 'help' for the list.")
        assertShortOneLine(message("set server a/b state \u{1B}]0;pwned\u{7}"))
    }

    func testOnlySemicolonsIsAnErrorNotAnEmptyAnswer() {
        XCTAssertEqual(message(";;;"), "Unknown command: ';;;'. Type 'help' for the list.")
    }

    func testErrorInitializerKeepsMessagesOnOneLine() {
        XCTAssertEqual(AdminCommandError("a\nb\r\u{2029}c").message, "a?b??c")
    }

    private func assertShortOneLine(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(text.unicodeScalars.contains { Escaping.isUnprintable($0) }, text, file: file, line: line)
        XCTAssertLessThan(text.unicodeScalars.count, 200, file: file, line: line)
    }
}
