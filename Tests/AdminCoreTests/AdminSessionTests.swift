import AdminCore
import XCTest

final class AdminSessionTests: XCTestCase {
    func testNonInteractiveAnswersOneLineThenCloses() {
        var session = AdminSession()
        let step = session.receive(line: "show info; show stat")
        XCTAssertEqual(step.commands, [.success(.showInfo), .success(.showStat)])
        XCTAssertEqual(step.trailer, "")
        XCTAssertTrue(step.close)
    }

    func testErrorsAreAnsweredInOrderWithTheOthers() {
        var session = AdminSession()
        let step = session.receive(line: "show info; bogus; show stat")
        XCTAssertEqual(step.commands.count, 3)
        let unknown = AdminCommandError("Unknown command: 'bogus'. Type 'help' for the list.")
        XCTAssertEqual(step.commands[1], .failure(unknown))
    }

    func testPromptKeepsTheConnectionAndPrompts() {
        var session = AdminSession()
        let first = session.receive(line: "prompt")
        XCTAssertEqual(first, AdminSessionStep(commands: [.success(.prompt)], trailer: "> ", close: false))
        XCTAssertTrue(session.isInteractive)
        XCTAssertEqual(
            session.receive(line: "show info"),
            AdminSessionStep(commands: [.success(.showInfo)], trailer: "> ", close: false))
        XCTAssertEqual(session.receive(line: ""), AdminSessionStep(commands: [], trailer: "> ", close: false))
        XCTAssertEqual(
            session.receive(line: "show stat; quit; show info"),
            AdminSessionStep(commands: [.success(.showStat)], trailer: "", close: true))
    }

    func testPromptAgainLeavesInteractiveModeAndCloses() {
        var session = AdminSession()
        _ = session.receive(line: "prompt")
        let step = session.receive(line: "prompt")
        XCTAssertFalse(session.isInteractive)
        XCTAssertEqual(step, AdminSessionStep(commands: [.success(.prompt)], trailer: "", close: true))
    }

    func testEmptyLineClosesANonInteractiveConnection() {
        var session = AdminSession()
        XCTAssertEqual(session.receive(line: ";;;"), AdminSessionStep(commands: [], trailer: "", close: true))
    }

    func testOversizedLineIsAnErrorThenClose() {
        var session = AdminSession()
        _ = session.receive(line: "prompt")
        let step = session.receiveOversizedLine()
        XCTAssertEqual(step.commands, [.failure(AdminCommandError("Line too long: the limit is 65536 bytes."))])
        XCTAssertTrue(step.close)
        XCTAssertEqual(AdminSession.maxLineBytes, 65_536)
    }

    func testFramingEndsEachAnswerWithOneEmptyLine() {
        XCTAssertEqual(AdminResponse.frame("Name: pgfloat\n"), "Name: pgfloat\n\n")
        XCTAssertEqual(AdminResponse.frame("No such server."), "No such server.\n\n")
        XCTAssertEqual(AdminResponse.frame(""), "\n")
        XCTAssertEqual(AdminResponse.frame("") + AdminResponse.prompt, "\n> ", "HAProxy's answer to `prompt`")
    }

    func testReadOnlyCommandsAreAnsweredFromTheSnapshot() {
        let snapshot = Fixtures.snapshot
        XCTAssertEqual(AdminReport.output(for: .showInfo, snapshot: snapshot), InfoReport.render(snapshot))
        XCTAssertEqual(AdminReport.output(for: .showStat, snapshot: snapshot), StatReport.render(snapshot))
        XCTAssertEqual(
            AdminReport.output(for: .showServersState(listener: "pg_ro"), snapshot: snapshot),
            ServersStateReport.render(snapshot, listener: "pg_ro"))
        XCTAssertEqual(AdminReport.output(for: .showVRRP, snapshot: snapshot), VRRPReport.render(snapshot))
        XCTAssertEqual(AdminReport.output(for: .help, snapshot: snapshot), HelpReport.render())
        XCTAssertEqual(AdminReport.output(for: .prompt, snapshot: snapshot), "")
        let pg3 = ServerReference(listener: "pg_ro", server: "pg3")
        XCTAssertNil(AdminReport.output(for: .setServerState(pg3, .drain), snapshot: snapshot))
        XCTAssertNil(AdminReport.output(for: .setVRRPState(instance: "vi_pg", .backup), snapshot: snapshot))
    }
}
