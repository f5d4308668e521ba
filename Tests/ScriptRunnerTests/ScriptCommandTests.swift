import XCTest

@testable import ScriptRunner

final class ScriptCommandTests: XCTestCase {
    func testSplitsOnSpacesAndTabs() throws {
        XCTAssertEqual(
            try ScriptCommand(parsing: "/etc/pgfloat/notify.sh master").arguments,
            ["/etc/pgfloat/notify.sh", "master"])
        XCTAssertEqual(try ScriptCommand(parsing: "  /bin/x \t a   b ").arguments, ["/bin/x", "a", "b"])
        XCTAssertEqual(try ScriptCommand(parsing: "/bin/x").path, "/bin/x")
    }

    func testDoubleQuotesGroupWords() throws {
        XCTAssertEqual(
            try ScriptCommand(parsing: #""/opt/my scripts/x.sh" a "b c" d"e f"g """#).arguments,
            ["/opt/my scripts/x.sh", "a", "b c", "de fg", ""])
    }

    func testRefusals() {
        XCTAssertThrowsError(try ScriptCommand(parsing: "")) { XCTAssertEqual($0 as? ScriptCommandError, .empty) }
        XCTAssertThrowsError(try ScriptCommand(parsing: "  \t ")) { XCTAssertEqual($0 as? ScriptCommandError, .empty) }
        XCTAssertThrowsError(try ScriptCommand(parsing: "notify.sh master")) {
            XCTAssertEqual($0 as? ScriptCommandError, .relativePath("notify.sh"))
        }
        XCTAssertThrowsError(try ScriptCommand(parsing: "./notify.sh")) {
            XCTAssertEqual($0 as? ScriptCommandError, .relativePath("./notify.sh"))
        }
        XCTAssertThrowsError(try ScriptCommand(parsing: #"/bin/x "a b"#)) {
            XCTAssertEqual($0 as? ScriptCommandError, .unterminatedQuote)
        }
        XCTAssertThrowsError(try ScriptCommand(parsing: "/bin/x\n/bin/y")) {
            XCTAssertEqual($0 as? ScriptCommandError, .controlCharacter)
        }
        XCTAssertThrowsError(try ScriptCommand(arguments: [])) { XCTAssertEqual($0 as? ScriptCommandError, .empty) }
    }

    func testAppendingAndDescription() throws {
        let command = try ScriptCommand(parsing: #""/opt/my scripts/x.sh" go"#)
        XCTAssertEqual(
            command.appending(["INSTANCE", "VI_1"]).arguments, ["/opt/my scripts/x.sh", "go", "INSTANCE", "VI_1"])
        XCTAssertEqual(command.description, #""/opt/my scripts/x.sh" go"#)
        XCTAssertEqual(try ScriptCommand(parsing: command.description), command, "description parses back")
    }
}
