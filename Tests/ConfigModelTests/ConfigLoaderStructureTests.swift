import ConfigModel
import XCTest

/// Problems with the shape of the file: syntax, unknown names, wrong types, missing keys.
final class ConfigLoaderStructureTests: XCTestCase {
    func testSyntaxErrorReportsTOMLLine() {
        let found = descriptions("[global]\nlog_sessions = true\nshutdown_grace = = \"5s\"\n")
        XCTAssertEqual(found.count, 1)
        XCTAssertTrue(found[0].hasPrefix("t.toml:3: syntax: "), found[0])
    }

    func testUnknownKeySuggestsClosestKey() {
        let text = "[check]\ninterval = \"3s\"\ntimout = \"1s\"\n" + minimalServer + "\n" + minimalListener
        XCTAssertEqual(descriptions(text), [#"t.toml:3: check.timout: unknown key "timout"; did you mean "timeout"?"#])
    }

    func testUnknownKeyWithoutCloseMatchHasNoSuggestion() {
        let text = minimalServer + "\ncolour = \"blue\"\n" + minimalListener
        XCTAssertEqual(descriptions(text), [#"t.toml:4: server.colour: unknown key "colour""#])
    }

    func testUnknownTableSuggestsClosestTable() {
        let text = minimalServer + "\n" + minimalListener + "\n[globl]\nlog_sessions = true\n"
        XCTAssertEqual(descriptions(text), [#"t.toml:7: globl: unknown table "globl"; did you mean "global"?"#])
    }

    func testUnknownArrayOfTablesIsAnUnknownTable() {
        let text = minimalServer + "\n" + minimalListener + "\n[[listeners]]\nname = \"x\"\n"
        let problem = onlyProblem(text)
        XCTAssertEqual(problem?.line, 7)
        XCTAssertEqual(problem?.message, #"unknown table "listeners"; did you mean "listener"?"#)
    }

    func testUnknownSubTableIsAnUnknownKeyOnItsHeaderLine() {
        let text = minimalServer + "\n[server.tls]\nmode = 1\n" + minimalListener
        XCTAssertEqual(descriptions(text), [#"t.toml:4: server.tls: unknown key "tls""#])
    }

    func testWrongTypes() {
        let cases: [(String, String)] = [
            (
                "[defaults]\ntimeout_queue = 5",
                #"defaults.timeout_queue: expected a duration string like "5s", got integer 5"#
            ),
            ("[defaults]\nretries = \"3\"", #"defaults.retries: expected an integer in 0...100, got string "3""#),
            (
                "[defaults]\nmaxconn = 1.5",
                "defaults.maxconn: expected an integer of at least 1, got floating-point number 1.5"
            ),
            ("[global]\nlog_sessions = \"yes\"", #"global.log_sessions: expected true or false, got string "yes""#),
            (
                "[global]\nstats_bind = 9187",
                #"global.stats_bind: expected an address string like "10.0.0.11:5432", got integer 9187"#
            ),
            ("[global]\nadmin_socket = [\"/a\"]", "global.admin_socket: expected a string, got an array"),
            ("[check]\nrise = true", "check.rise: expected an integer in 1...100, got boolean true"),
            ("global = 1", "global: expected a table [global], got integer 1"),
        ]
        for (table, expected) in cases {
            let text = table + "\n" + minimalServer + "\n" + minimalListener
            XCTAssertEqual(descriptions(text), ["t.toml:\(table.contains("\n") ? 2 : 1): \(expected)"], table)
        }
    }

    func testSingleTablesGivenAsArraysOfTables() {
        for name in ["global", "defaults", "check"] {
            let text = "[[\(name)]]\n" + minimalServer + "\n" + minimalListener
            let expected = "t.toml:1: \(name): [\(name)] must be a single table, not an array of tables [[\(name)]]"
            XCTAssertEqual(descriptions(text), [expected])
        }
    }

    func testServerGivenAsSingleTable() {
        let text = "[server]\nname = \"pg1\"\naddress = \"10.0.0.11:5432\"\n" + minimalListener
        let found = descriptions(text)
        XCTAssertEqual(found.first, "t.toml:1: server: expected an array of tables [[server]], got a table")
    }

    func testMissingRequiredKeysPointAtTheHeader() {
        let text = """
            [[server]]
            name = "pg1"

            [[server]]
            address = "10.0.0.12:5432"

            [[listener]]
            servers = ["pg1"]
            """
        XCTAssertEqual(descriptions(text), [
            #"t.toml:1: server.address: missing required key "address""#,
            #"t.toml:4: server.name: missing required key "name""#,
            #"t.toml:7: listener.name: missing required key "name""#,
            #"t.toml:7: listener.bind: missing required key "bind""#,
        ])
    }
}
