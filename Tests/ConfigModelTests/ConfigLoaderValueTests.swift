import ConfigModel
import XCTest

/// Values of the right type that are still wrong: bad durations, addresses, names, numbers and choices.
final class ConfigLoaderValueTests: XCTestCase {
    /// Loads `lines` placed in `table` ahead of a valid server and listener; the bad key is on line 2.
    private func problem(
        in table: String, _ line: String, file: StaticString = #filePath, ln: UInt = #line
    ) -> String? {
        let text = "\(table)\n\(line)\n" + minimalServer + "\n" + minimalListener
        let found = descriptions(text, file: file, line: ln)
        XCTAssertEqual(found.count, 1, "\(found)", file: file, line: ln)
        return found.first
    }

    func testBadDuration() {
        XCTAssertEqual(
            problem(in: "[defaults]", #"timeout_queue = "1.5s""#),
            #"t.toml:2: defaults.timeout_queue: invalid duration "1.5s"; use a positive whole number followed by "#
                + #"us, ms, s, m, h or d, like "250ms" or "5s""#)
        let zero = problem(in: "[check]", #"interval = "0s""#)
        XCTAssertEqual(zero?.hasPrefix(#"t.toml:2: check.interval: invalid duration "0s"; "#), true, zero ?? "")
    }

    func testBadAddress() {
        XCTAssertEqual(
            problem(in: "[global]", #"stats_bind = "::1:9187""#),
            #"t.toml:2: global.stats_bind: address "::1:9187": put an IPv6 address in brackets, like "[::1]:5432""#)
    }

    func testBadServerAddressPointsAtItsLine() {
        let text = """
            [[server]]
            name = "pg1"
            address = "10.0.0.11:5432"

            [[server]]
            name = "pg2"
            address = "10.0.0.12:99999"
            """ + "\n" + minimalListener
        XCTAssertEqual(
            descriptions(text),
            [#"t.toml:7: server.address: address "10.0.0.12:99999": port 99999 is out of range 1...65535"#])
    }

    func testOutOfRangeNumbers() {
        let cases: [(table: String, line: String, expected: String)] = [
            ("[defaults]", "retries = 101", "defaults.retries: expected an integer in 0...100, got 101"),
            ("[defaults]", "retries = -1", "defaults.retries: expected an integer in 0...100, got -1"),
            ("[defaults]", "maxconn = 0", "defaults.maxconn: expected an integer of at least 1, got 0"),
            ("[check]", "rise = 0", "check.rise: expected an integer in 1...100, got 0"),
            ("[check]", "fall = 101", "check.fall: expected an integer in 1...100, got 101"),
        ]
        for (table, line, expected) in cases {
            XCTAssertEqual(problem(in: table, line), "t.toml:2: \(expected)")
        }
        let server = "[[server]]\nname = \"pg2\"\naddress = \"10.0.0.12:5432\"\n"
        for (line, expected) in [
            ("weight = 257", "server.weight: expected an integer in 0...256, got 257"),
            ("weight = -1", "server.weight: expected an integer in 0...256, got -1"),
            ("maxconn = -1", "server.maxconn: expected an integer of at least 0, got -1"),
        ] {
            let text = minimalServer + "\n" + minimalListener + "\n" + server + line
            XCTAssertEqual(descriptions(text), ["t.toml:10: \(expected)"])
        }
        XCTAssertEqual(
            descriptions(minimalServer + "\n" + minimalListener + "\nmaxconn = 0"),
            ["t.toml:7: listener.maxconn: expected an integer of at least 1, got 0"])
    }

    func testUnknownChoices() {
        XCTAssertEqual(
            problem(in: "[check]", #"type = "http""#),
            #"t.toml:2: check.type: unknown check type "http"; expected one of "tcp", "pg-hello", "pgsql", "patroni", "#
                + #""agent", "external""#)
        XCTAssertEqual(
            descriptions(minimalServer + "\n" + minimalListener + "\nrole = \"master\"\nbalance = \"random\""), [
                #"t.toml:7: listener.role: unknown role "master"; expected one of "primary", "replica", "any", "#
                    + #""replica-or-primary", "sync", "async", "standby-leader""#,
                #"t.toml:8: listener.balance: unknown balance algorithm "random"; expected one of "first", "#
                    + #""roundrobin", "leastconn", "source""#,
            ])
    }

    func testBadNames() {
        let text = """
            [[server]]
            name = "pg 1"
            address = "10.0.0.11:5432"

            [[listener]]
            name = ""
            bind = "*:5432"
            servers = ["pg 1"]
            """
        XCTAssertEqual(descriptions(text), [
            #"t.toml:2: server.name: invalid name "pg 1"; use only letters, digits, "_", "." and "-""#,
            #"t.toml:6: listener.name: invalid name ""; use only letters, digits, "_", "." and "-""#,
        ])
    }

    func testAdminSocketMustBeAbsoluteAndShortEnough() {
        XCTAssertEqual(
            problem(in: "[global]", #"admin_socket = "run/pgfloat.sock""#),
            #"t.toml:2: global.admin_socket: expected an absolute path starting with "/", got "run/pgfloat.sock""#)
        let long = "/" + String(repeating: "a", count: 107)
        XCTAssertEqual(
            problem(in: "[global]", "admin_socket = \"\(long)\""),
            "t.toml:2: global.admin_socket: path \"\(long)\" is longer than 107 bytes, the limit for a Unix socket")
    }

    func testBindMustHoldAtLeastOneAddressString() {
        let head = minimalServer + "\n[[listener]]\nname = \"main\"\n"
        XCTAssertEqual(
            descriptions(head + "bind = []"),
            ["t.toml:6: listener.bind: expected at least one address, got an empty array"])
        XCTAssertEqual(
            descriptions(head + "bind = [\"*:5432\", 5433]"),
            [#"t.toml:6: listener.bind: expected an address string like "10.0.0.11:5432", got integer 5433"#])
        XCTAssertEqual(
            descriptions(head + "bind = 5432"),
            ["t.toml:6: listener.bind: expected an address string or an array of them, got integer 5432"])
    }
}
