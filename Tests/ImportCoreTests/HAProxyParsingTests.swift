import ConfigModel
import XCTest

@testable import ImportCore

/// The syntax of haproxy.cfg and the meaning of its values, one rule at a time.
final class HAProxyParsingTests: XCTestCase {
    func testLexerSplitsWordsAsHAProxyDoes() {
        XCTAssertEqual(
            HAProxyLexer.words("  server pg1 10.0.0.1:5432   check # comment"),
            ["server", "pg1", "10.0.0.1:5432", "check"])
        XCTAssertEqual(
            HAProxyLexer.words(#"external-check command "/opt/my check.sh""#),
            ["external-check", "command", "/opt/my check.sh"])
        XCTAssertEqual(HAProxyLexer.words(#"log 'a\b # c'"#), ["log", #"a\b # c"#])
        XCTAssertEqual(HAProxyLexer.words(##"a\ b\#c"##), ["a b#c"])
        XCTAssertEqual(HAProxyLexer.words(#"x "unterminated"#), ["x", "unterminated"])
        XCTAssertEqual(HAProxyLexer.words("\t\r"), [])
        XCTAssertEqual(HAProxyLexer.words(#"x """#), ["x", ""])
    }

    func testDocumentSplitsSections() {
        let document = HAProxyDocument(
            text: "daemon\nglobal\n  maxconn 10\nlisten a 0.0.0.0:1\n  mode tcp\npeers p\n  peer x 1.2.3.4:1\n")
        XCTAssertEqual(document.orphans, [HAProxyStatement(words: ["daemon"], line: 1)])
        XCTAssertEqual(document.sections.map(\.kind), [.known(.global), .known(.listen), .other("peers")])
        XCTAssertEqual(document.sections[1].name, "a")
        XCTAssertEqual(document.sections[1].arguments, ["0.0.0.0:1"])
        XCTAssertEqual(document.sections[1].statements, [HAProxyStatement(words: ["mode", "tcp"], line: 5)])
    }

    func testTimesDefaultToMilliseconds() {
        XCTAssertEqual(HAProxyValues.duration("5000"), .seconds(5))
        XCTAssertEqual(HAProxyValues.duration("5000ms"), .seconds(5))
        XCTAssertEqual(HAProxyValues.duration("3s"), .seconds(3))
        XCTAssertEqual(HAProxyValues.duration("2m"), .seconds(120))
        XCTAssertEqual(HAProxyValues.duration("1h"), .seconds(3600))
        XCTAssertEqual(HAProxyValues.duration("1d"), .seconds(86400))
        XCTAssertEqual(HAProxyValues.duration("100us"), .microseconds(100))
        XCTAssertNil(HAProxyValues.duration("1.5s"))
        XCTAssertNil(HAProxyValues.duration("s"))
        XCTAssertNil(HAProxyValues.duration("99999999999999999999d"))
    }

    func testAddressesTakeThePortAfterTheLastColon() {
        XCTAssertEqual(HAProxyValues.address("*:5432"), .address(host: "0.0.0.0", port: 5432))
        XCTAssertEqual(HAProxyValues.address(":5432"), .address(host: "0.0.0.0", port: 5432))
        XCTAssertEqual(HAProxyValues.address("ipv6@:5432"), .address(host: "::", port: 5432))
        XCTAssertEqual(HAProxyValues.address(":::5432"), .address(host: "::", port: 5432))
        XCTAssertEqual(HAProxyValues.address("[2001:db8::1]:5432"), .address(host: "2001:db8::1", port: 5432))
        XCTAssertEqual(HAProxyValues.address("pg1.example.com:5432"), .address(host: "pg1.example.com", port: 5432))
        XCTAssertEqual(HAProxyValues.address("pg1.example.com"), .address(host: "pg1.example.com", port: nil))
        XCTAssertEqual(HAProxyValues.address("10.0.0.1:5432-5434"), .unsupported("a port range or offset"))
        XCTAssertEqual(HAProxyValues.address("/run/pg.sock"), .unsupported("a UNIX socket or special address"))
        XCTAssertEqual(HAProxyValues.address("unix@/run/pg.sock"), .unsupported("a UNIX socket or special address"))
        XCTAssertEqual(HAProxyValues.address("10.0.0.1:70000"), .invalid)
        XCTAssertEqual(HAProxyValues.address("bad host:1"), .invalid)
        XCTAssertEqual(endpointText(host: "::", port: 5432), "[::]:5432")
    }

    func testPatroniEndpointsBecomeRoles() {
        XCTAssertEqual(PatroniEndpoint(uri: "/primary"), PatroniEndpoint(role: .primary))
        XCTAssertEqual(PatroniEndpoint(uri: "/master")?.role, .primary)
        XCTAssertEqual(PatroniEndpoint(uri: "/leader")?.role, .primary)
        XCTAssertEqual(PatroniEndpoint(uri: "/read-write")?.role, .primary)
        XCTAssertEqual(PatroniEndpoint(uri: "/replica"), PatroniEndpoint(role: .replica))
        XCTAssertEqual(
            PatroniEndpoint(uri: "/replica?lag=16MB"), PatroniEndpoint(role: .replica, maxLag: .text("16MB")))
        XCTAssertEqual(PatroniEndpoint(uri: "/replica?lag=1048576")?.maxLag, .bytes(1_048_576))
        XCTAssertEqual(PatroniEndpoint(uri: "/read-only")?.role, .any)
        XCTAssertEqual(PatroniEndpoint(uri: "/health")?.role, .any)
        XCTAssertNil(PatroniEndpoint(uri: "/health")?.caveat)
        XCTAssertNotNil(PatroniEndpoint(uri: "/replica?lag=lots")?.caveat)
        XCTAssertNil(PatroniEndpoint(uri: "/replica?lag=lots")?.maxLag)
        XCTAssertNil(PatroniEndpoint(uri: "/pg_is_primary"))
        XCTAssertNil(PatroniEndpoint(uri: "/stats"))
    }

    func testPatronisSyncAsyncAndStandbyLeaderEndpointsKeepTheirMeaning() {
        for uri in ["/sync", "/synchronous", "/quorum"] {
            XCTAssertEqual(PatroniEndpoint(uri: uri), PatroniEndpoint(role: .sync), uri)
        }
        XCTAssertEqual(PatroniEndpoint(uri: "/async"), PatroniEndpoint(role: .async))
        XCTAssertEqual(
            PatroniEndpoint(uri: "/asynchronous?lag=16MB"), PatroniEndpoint(role: .async, maxLag: .text("16MB")))
        XCTAssertEqual(PatroniEndpoint(uri: "/standby-leader"), PatroniEndpoint(role: .standbyLeader))
        XCTAssertEqual(PatroniEndpoint(uri: "/standby_leader")?.role, .standbyLeader)
        XCTAssertEqual(PatroniEndpoint(uri: "/read-only-sync")?.role, .sync)
        XCTAssertNotNil(PatroniEndpoint(uri: "/read-only-sync")?.caveat, "Patroni's endpoint takes the primary too")
    }

    func testTagQueriesBecomeTheListenersTags() {
        XCTAssertEqual(
            PatroniEndpoint(uri: "/replica?tag_dc=east&lag=1MB&tag_rack=3"),
            PatroniEndpoint(role: .replica, maxLag: .text("1MB"), tags: ["dc": "east", "rack": "3"]))
        XCTAssertEqual(PatroniEndpoint(uri: "/read-only?tag_dc=east")?.tags, ["dc": "east"])
        XCTAssertEqual(PatroniEndpoint(uri: "/sync?tag_dc=east")?.tags, ["dc": "east"])
        let leader = PatroniEndpoint(uri: "/primary?tag_dc=east")
        XCTAssertEqual(leader?.tags, [:])
        XCTAssertEqual(leader?.caveat, "Patroni ignores \"tag_dc\" on /primary; not kept")
        XCTAssertEqual(
            PatroniEndpoint(uri: "/replica?dc=east")?.caveat,
            "the query parameter \"dc\" has no equivalent and is not kept")
    }

    func testRolesAreGuessedFromListenerNames() {
        XCTAssertEqual(RoleGuess.role(forListenerNamed: "postgres_primary"), .primary)
        XCTAssertEqual(RoleGuess.role(forListenerNamed: "pg-rw"), .primary)
        XCTAssertEqual(RoleGuess.role(forListenerNamed: "read-write"), .primary)
        XCTAssertEqual(RoleGuess.role(forListenerNamed: "postgres_replicas"), .replica)
        XCTAssertEqual(RoleGuess.role(forListenerNamed: "pg_ro"), .replica)
        XCTAssertEqual(RoleGuess.role(forListenerNamed: "standby"), .replica)
        XCTAssertEqual(RoleGuess.role(forListenerNamed: "postgres"), .any)
        XCTAssertEqual(RoleGuess.role(forListenerNamed: "pgbouncer_pool"), .any)
    }
}

extension PatroniEndpoint {
    init(role: ListenerRole, maxLag: ByteSize? = nil, tags: [String: String] = [:]) {
        self = PatroniEndpoint(uri: "/health")!
        self.role = role
        self.maxLag = maxLag
        self.tags = tags
    }
}
