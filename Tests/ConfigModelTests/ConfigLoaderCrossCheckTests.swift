import ConfigModel
import Foundation
import XCTest

/// Problems that involve more than one table: names, server references, binds, and the listener count.
final class ConfigLoaderCrossCheckTests: XCTestCase {
    func testDuplicateServerName() {
        let text = minimalServer + "\n" + minimalServer + "\n" + minimalListener
        XCTAssertEqual(
            descriptions(text), [#"t.toml:5: server.name: duplicate server name "pg1"; first defined on line 2"#])
    }

    func testDuplicateListenerName() {
        let second = minimalListener.replacingOccurrences(of: "5432", with: "5433")
        let text = minimalServer + "\n" + minimalListener + "\n" + second
        XCTAssertEqual(
            descriptions(text), [#"t.toml:8: listener.name: duplicate listener name "main"; first defined on line 5"#])
    }

    func testListenerNamingUnknownServer() {
        let text = minimalServer + "\n" + minimalListener + "\nservers = [\"pg1\", \"pg9\"]"
        XCTAssertEqual(
            descriptions(text), [#"t.toml:7: listener.servers: unknown server "pg9"; known servers: "pg1""#])
    }

    func testListenerNamingServerTwice() {
        let text = minimalServer + "\n" + minimalListener + "\nservers = [\"pg1\", \"pg1\"]"
        XCTAssertEqual(descriptions(text), [#"t.toml:7: listener.servers: server "pg1" is listed twice"#])
    }

    func testListenerWithEmptyServers() {
        let text = minimalServer + "\n" + minimalListener + "\nservers = []"
        XCTAssertEqual(
            descriptions(text), ["t.toml:7: listener.servers: expected at least one server name, got an empty array"])
    }

    func testListenerWhenNoServerExists() {
        XCTAssertEqual(
            descriptions(minimalListener),
            [#"t.toml:1: listener.servers: listener "main" has no servers: the file defines no [[server]]"#])
        XCTAssertEqual(
            descriptions(minimalListener + "\nservers = [\"pg1\"]"),
            [#"t.toml:4: listener.servers: unknown server "pg1"; the file defines no [[server]]"#])
    }

    func testServerNamesMustBeStrings() {
        let text = minimalServer + "\n" + minimalListener + "\nservers = [\"pg1\", 2]"
        XCTAssertEqual(
            descriptions(text), ["t.toml:7: listener.servers: expected a server name string, got integer 2"])
    }

    func testSameBindInTwoListeners() {
        let text = minimalServer + """

            [[listener]]
            name = "a"
            bind = ["127.0.0.1:6000", "*:5432"]

            [[listener]]
            name = "b"
            bind = "0.0.0.0:5432"
            """
        XCTAssertEqual(
            descriptions(text),
            [#"t.toml:10: listener.bind: 0.0.0.0:5432 is already bound by listener "a" on line 6"#])
    }

    func testNoListenerAtAll() {
        let expected = ["t.toml:1: listener: no [[listener]] defined; at least one is required"]
        XCTAssertEqual(descriptions(minimalServer), expected)
        XCTAssertEqual(descriptions(""), expected)
    }

    func testEveryProblemIsReportedSortedByLine() {
        let text = """
            [[listener]]
            name = "main"
            bind = "*:5432"
            servers = ["pg1", "nope"]
            balance = "random"

            [defaults]
            timeout_queue = "5"
            retries = 1000
            timout_connect = "5s"

            [[server]]
            name = "pg1"
            address = "::1:5432"
            weight = "heavy"
            """
        XCTAssertEqual(descriptions(text), [
            #"t.toml:4: listener.servers: unknown server "nope"; known servers: "pg1""#,
            #"t.toml:5: listener.balance: unknown balance algorithm "random"; expected one of "first", "roundrobin", "#
                + #""leastconn", "source""#,
            #"t.toml:8: defaults.timeout_queue: invalid duration "5"; use a positive whole number followed by "#
                + #"us, ms, s, m, h or d, like "250ms" or "5s""#,
            "t.toml:9: defaults.retries: expected an integer in 0...100, got 1000",
            #"t.toml:10: defaults.timout_connect: unknown key "timout_connect"; did you mean "timeout_connect"?"#,
            #"t.toml:14: server.address: address "::1:5432": put an IPv6 address in brackets, like "[::1]:5432""#,
            #"t.toml:15: server.weight: expected an integer in 0...256, got string "heavy""#,
        ])
        let found = problems(text)
        XCTAssertEqual(found.map(\.line), found.map(\.line).sorted())
        XCTAssertEqual(Set(found.map(\.file)), ["t.toml"])
    }
}
