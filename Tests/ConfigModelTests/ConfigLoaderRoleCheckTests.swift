import ConfigModel
import XCTest

/// The keys of role-aware checks and routing: check types and their settings, per-server overrides, lag limits.
final class ConfigLoaderRoleCheckTests: XCTestCase {
    func testRoleAwareKeysLoad() throws {
        let text = """
            [check]
            type = "pgsql"
            fast_interval = "250ms"
            down_interval = "5s"
            user = "pgfloat"
            database = "postgres"
            password_file = "/etc/pgfloat/check.pass"
            sslmode = "require"

            [[server]]
            name = "pg1"
            address = "10.0.0.11:5432"
            slowstart = "60s"
            check_type = "patroni"
            check_port = 8009

            [[listener]]
            name = "replicas"
            bind = "0.0.0.0:5433"
            role = "replica"
            max_lag = "16MB"
            on_marked_down = "shutdown-sessions"
            on_marked_up = "shutdown-backup-sessions"
            """
        let config = try ConfigLoader.load(text: text, path: "t.toml")
        XCTAssertEqual(config.check.type, .pgsql)
        XCTAssertEqual(config.check.fastInterval, .milliseconds(250))
        XCTAssertEqual(config.check.downInterval, .seconds(5))
        XCTAssertEqual(config.check.passwordFile, "/etc/pgfloat/check.pass")
        XCTAssertEqual(config.check.sslmode, .require)
        let server = try XCTUnwrap(config.servers.first)
        XCTAssertEqual(server.slowstart, .seconds(60))
        let effective = config.check.forServer(server)
        XCTAssertEqual(effective.type, .patroni)
        XCTAssertEqual(effective.checkPort(for: server), 8009)
        let listener = try XCTUnwrap(config.listeners.first)
        XCTAssertEqual(listener.maxLag, .bytes(16 << 20))
        XCTAssertEqual(listener.onMarkedDown, .shutdownSessions)
        XCTAssertEqual(listener.onMarkedUp, .shutdownBackupSessions)
    }

    func testPatroniChecksDefaultToPort8008AndOthersToThePostgreSQLPort() throws {
        let server = ServerConfig(name: "pg1", address: Endpoint(host: "h", port: 5432))
        XCTAssertEqual(CheckSettings(type: .patroni).checkPort(for: server), 8008)
        XCTAssertEqual(CheckSettings(type: .pgsql).checkPort(for: server), 5432)
    }

    func testMaxLagAcceptsBytesAndRejectsNonsense() throws {
        let base = minimalServer + "\n" + minimalListener + "\n"
        let config = try ConfigLoader.load(text: base + "max_lag = 1048576\n", path: "t.toml")
        XCTAssertEqual(config.listeners[0].maxLag, .bytes(1_048_576))
        let problem = try XCTUnwrap(onlyProblem(base + "max_lag = \"lots\"\n"))
        XCTAssertEqual(problem.key, "listener.max_lag")
        XCTAssertEqual(problem.line, 7)
    }

    func testZeroSlowstartIsAllowedButNotAZeroInterval() throws {
        let text = "[check]\nfast_interval = \"0s\"\n" + minimalServer + "\nslowstart = \"0s\"\n" + minimalListener
        let problem = try XCTUnwrap(onlyProblem(text))
        XCTAssertEqual(problem.key, "check.fast_interval")
    }

    func testAnExternalCheckNeedsACommandAndAnAgentAPort() {
        let external = descriptions("[check]\ntype = \"external\"\n" + minimalServer + "\n" + minimalListener)
        XCTAssertEqual(external, ["t.toml:2: check.command: an external check needs \"command\""])
        let agent = descriptions(minimalServer + "\ncheck_type = \"agent\"\n" + minimalListener)
        XCTAssertEqual(
            agent,
            ["t.toml:1: server.check_port: an agent check needs a port: set [check] port or this server's check_port"])
    }

    func testUnknownCheckTypeAndSchemeAreReported() {
        let check = "[check]\ntype = \"http\"\nscheme = \"ftp\"\n"
        let found = descriptions(check + minimalServer + "\n" + minimalListener)
        XCTAssertEqual(found.count, 2)
        XCTAssertTrue(found[0].hasPrefix("t.toml:2: check.type: unknown check type \"http\""), found[0])
        XCTAssertEqual(found[1], "t.toml:3: check.scheme: unknown scheme \"ftp\"")
    }
}
