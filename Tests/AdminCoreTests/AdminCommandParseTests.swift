import XCTest

@testable import AdminCore

final class AdminCommandParseTests: XCTestCase {
    private let pg3 = ServerReference(listener: "postgres_replicas", server: "pg3")

    func testEveryCommandParses() {
        let cases: [(String, AdminCommand)] = [
            ("help", .help),
            ("prompt", .prompt),
            ("quit", .quit),
            ("show info", .showInfo),
            ("show stat", .showStat),
            ("show servers state", .showServersState(listener: nil)),
            ("show servers state pg_ro", .showServersState(listener: "pg_ro")),
            ("show servers roles", .showServersRoles),
            ("show sess", .showSessions),
            ("show sessions", .showSessions),
            ("show vrrp", .showVRRP),
            ("show dcs", .showDCS),
            ("set server postgres_replicas/pg3 state ready", .setServerState(pg3, .ready)),
            ("set server postgres_replicas/pg3 state drain", .setServerState(pg3, .drain)),
            ("set server postgres_replicas/pg3 state maint", .setServerState(pg3, .maint)),
            ("set server postgres_replicas/pg3 weight 0", .setServerWeight(pg3, 0)),
            ("set server postgres_replicas/pg3 weight 256", .setServerWeight(pg3, 256)),
            ("set weight postgres_replicas/pg3 17", .setServerWeight(pg3, 17)),
            ("disable server postgres_replicas/pg3", .disableServer(pg3)),
            ("enable server postgres_replicas/pg3", .enableServer(pg3)),
            ("shutdown sessions server postgres_replicas/pg3", .shutdownSessions(pg3)),
            ("set vrrp vi_pg state backup", .setVRRPState(instance: "vi_pg", .backup)),
            ("set vrrp vi_pg state auto", .setVRRPState(instance: "vi_pg", .auto)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(AdminCommand.parse(text), .success(expected), text)
        }
    }

    func testBlanksAroundAndBetweenWordsAreIgnored() {
        XCTAssertEqual(AdminCommand.parse(" \tshow \t  info\r\n"), .success(.showInfo))
    }

    func testStarMeansEveryListener() {
        XCTAssertEqual(
            AdminCommand.parse("disable server */pg3"),
            .success(.disableServer(ServerReference(listener: nil, server: "pg3"))))
    }

    func testUnknownCommandQuotesTheWordsUnderstood() {
        XCTAssertEqual(message("frobnicate now"), "Unknown command: 'frobnicate'. Type 'help' for the list.")
        XCTAssertEqual(message("show foo bar"), "Unknown command: 'show foo'. Type 'help' for the list.")
        XCTAssertEqual(message("show"), "Unknown command: 'show'. Type 'help' for the list.")
        XCTAssertEqual(message("shutdown sessions"), "Unknown command: 'shutdown sessions'. Type 'help' for the list.")
        XCTAssertEqual(message("SHOW INFO"), "Unknown command: 'SHOW'. Type 'help' for the list.")
    }

    func testMissingOrMalformedServerReference() {
        for text in [
            "disable server", "enable server pg3", "set server", "set server /pg3 state ready",
            "set server pg_ro/ state ready", "shutdown sessions server", "set weight nothing 3",
        ] {
            XCTAssertEqual(message(text), "Require 'backend/server'.", text)
        }
    }

    func testBadServerState() {
        for text in ["set server a/b state", "set server a/b state up", "set server a/b state READY"] {
            XCTAssertEqual(message(text), "'set server <srv> state' expects 'ready', 'drain' and 'maint'.", text)
        }
        XCTAssertEqual(message("set server a/b health up"), "'set server <srv>' only supports 'state' and 'weight'.")
    }

    func testBadWeight() {
        for text in [
            "set server a/b weight", "set server a/b weight 257", "set server a/b weight -1",
            "set server a/b weight 50%", "set server a/b weight +5", "set server a/b weight 0x10",
            "set server a/b weight 99999999999999999999999", "set weight a/b 1.5", "set weight a/b",
        ] {
            XCTAssertEqual(message(text), "Weight must be an integer between 0 and 256.", text)
        }
    }

    func testBadVRRPCommands() {
        XCTAssertEqual(message("set vrrp"), "Require a VRRP instance name.")
        XCTAssertEqual(message("set vrrp vi_pg state master"), "'set vrrp <name> state' expects 'backup' and 'auto'.")
        XCTAssertEqual(message("set vrrp vi_pg priority 3"), "Unknown command: 'set vrrp vi_pg priority'. "
            + "Type 'help' for the list.")
    }

    func testExtraArgumentsAreRefused() {
        XCTAssertEqual(message("show info now"), "Unexpected argument: 'now'.")
        XCTAssertEqual(message("set server a/b state drain now"), "Unexpected argument: 'now'.")
        XCTAssertEqual(message("show servers state pg_ro pg_rw"), "Unexpected argument: 'pg_rw'.")
        XCTAssertEqual(message("quit please"), "Unexpected argument: 'please'.")
    }

    func testEmptyCommand() {
        XCTAssertEqual(message(""), "Empty command. Type 'help' for the list.")
        XCTAssertEqual(message(" \t "), "Empty command. Type 'help' for the list.")
    }

    func testSplitCutsAtSemicolonsAndDropsEmptyCommands() {
        XCTAssertEqual(AdminCommandLine.split(" show info ;show stat;; ;\thelp\t"), ["show info", "show stat", "help"])
        XCTAssertEqual(AdminCommandLine.split(";;;"), [])
        XCTAssertEqual(AdminCommandLine.split(""), [])
    }
}

/// The message of the error `text` parses to, or a note that it parsed.
func message(_ text: String) -> String {
    switch AdminCommand.parse(text) {
    case .success(let command): return "parsed as \(command)"
    case .failure(let error): return error.message
    }
}
