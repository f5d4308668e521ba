import ConfigModel
import Foundation
import XCTest

final class ConfigLoaderValidTests: XCTestCase {
    func testCompleteFileParsesEveryKey() throws {
        let text = """
            [global]
            admin_socket = "/run/pgfloat.sock"
            admin_group = "dba"
            stats_bind = "127.0.0.1:9187"
            stats_auth_file = "/etc/pgfloat/stats.auth"
            stats_admin = true
            stats_refresh = "2s"
            shutdown_grace = "10s"
            log_sessions = false

            [defaults]
            timeout_connect = "250ms"
            timeout_startup = "3s"
            timeout_client = "1h"
            timeout_server = "30m"
            timeout_queue = "2d"
            retries = 0
            maxconn = 500

            [check]
            type = "pgsql"
            interval = "100us"
            timeout = "1s"
            rise = 1
            fall = 100

            [[server]]
            name = "pg-1.a_b"
            address = "10.0.0.11:5432"
            weight = 256
            maxconn = 20
            backup = true

            [[server]]
            name = "pg2"
            address = "[::1]:6432"
            weight = 0

            [[listener]]
            name = "rw"
            bind = ["*:5432", "[::]:5432"]
            role = "replica-or-primary"
            balance = "source"
            maxconn = 1
            maxconn_per_source = 4
            servers = ["pg2", "pg-1.a_b"]
            """
        let config = try ConfigLoader.load(text: text, path: "full.toml")
        let expected = PGFloatConfig(
            path: "full.toml",
            global: GlobalSettings(
                adminSocket: "/run/pgfloat.sock", adminGroup: "dba",
                statsBind: Endpoint(host: "127.0.0.1", port: 9187),
                statsAuthFile: "/etc/pgfloat/stats.auth", statsAdmin: true, statsRefresh: .seconds(2),
                shutdownGrace: .seconds(10), logSessions: false),
            defaults: Defaults(
                timeoutConnect: .milliseconds(250), timeoutStartup: .seconds(3), timeoutClient: .seconds(3600), timeoutServer: .seconds(1800),
                timeoutQueue: .seconds(2 * 86400), retries: 0, maxconn: 500),
            check: CheckSettings(type: .pgsql, interval: .microseconds(100), timeout: .seconds(1), rise: 1, fall: 100),
            servers: [
                ServerConfig(
                    name: "pg-1.a_b", address: Endpoint(host: "10.0.0.11", port: 5432), weight: 256, maxconn: 20,
                    backup: true, line: 27),
                ServerConfig(name: "pg2", address: Endpoint(host: "::1", port: 6432), weight: 0, line: 34),
            ],
            listeners: [
                ListenerConfig(
                    name: "rw", binds: [Endpoint(host: "0.0.0.0", port: 5432), Endpoint(host: "::", port: 5432)],
                    role: .replicaOrPrimary, balance: .source, maxconn: 1, maxconnPerSource: 4, servers: ["pg2", "pg-1.a_b"],
                    line: 39)
            ])
        XCTAssertEqual(config, expected)
        // Endpoint equality ignores lines, so check the lines that later errors will point at.
        XCTAssertEqual(config.global.statsBind?.line, 4)
        XCTAssertEqual(config.servers.map(\.address.line), [29, 36])
        XCTAssertEqual(config.listeners[0].binds.map(\.line), [41, 41])
    }

    func testDefaultsApplyWhenKeysAreAbsent() throws {
        let config = try ConfigLoader.load(text: minimalServer + "\n" + minimalListener, path: "min.toml")
        XCTAssertEqual(config.global, GlobalSettings())
        XCTAssertNil(config.global.adminSocket)
        XCTAssertNil(config.global.statsBind)
        XCTAssertEqual(config.global.shutdownGrace, .seconds(30))
        XCTAssertTrue(config.global.logSessions)
        XCTAssertEqual(config.defaults, Defaults())
        XCTAssertEqual(config.defaults.timeoutQueue, .seconds(30))
        XCTAssertEqual(config.check, CheckSettings())
        XCTAssertEqual(
            config.servers, [ServerConfig(name: "pg1", address: Endpoint(host: "10.0.0.11", port: 5432), line: 1)])
        XCTAssertEqual(config.servers[0].weight, 100)
        XCTAssertEqual(config.servers[0].maxconn, 0)
        XCTAssertFalse(config.servers[0].backup)
        let listener = try XCTUnwrap(config.listeners.first)
        XCTAssertEqual(listener.role, .any)
        XCTAssertEqual(listener.balance, .roundrobin)
        XCTAssertEqual(listener.maxconn, 1000)
        XCTAssertEqual(listener.servers, ["pg1"])
        XCTAssertEqual(listener.line, 4)
    }

    func testEmptyTablesKeepDefaults() throws {
        let text = "[global]\n[defaults]\n[check]\n" + minimalServer + "\n" + minimalListener
        let config = try ConfigLoader.load(text: text, path: "t.toml")
        XCTAssertEqual(config.global, GlobalSettings())
        XCTAssertEqual(config.defaults, Defaults())
        XCTAssertEqual(config.check, CheckSettings())
    }

    func testListenerWithoutServersKeyGetsEveryServerInFileOrder() throws {
        let text = """
            [[server]]
            name = "b"
            address = "10.0.0.2:5432"
            [[server]]
            name = "a"
            address = "10.0.0.1:5432"
            [[server]]
            name = "c"
            address = "db.example.com:5432"
            backup = true
            """ + "\n" + minimalListener
        let config = try ConfigLoader.load(text: text, path: "t.toml")
        XCTAssertEqual(config.listeners[0].servers, ["b", "a", "c"])
        XCTAssertEqual(config.server(named: "c")?.address.host, "db.example.com")
    }

    func testInlineTablesLoadLikeHeaders() throws {
        let text = """
            global = { log_sessions = false }
            server = [{ name = "pg1", address = "10.0.0.11:5432" }]
            listener = [{ name = "main", bind = "*:5432" }]
            """
        let config = try ConfigLoader.load(text: text, path: "t.toml")
        XCTAssertFalse(config.global.logSessions)
        XCTAssertEqual(config.servers.map(\.line), [2])
        XCTAssertEqual(config.listeners.map(\.servers), [["pg1"]])
    }

    func testShippedExampleIsValid() throws {
        // Symlinks resolved so the path also works when the tests are built through a linked scratch package.
        let url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("etc/pgfloat.toml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let config = try ConfigLoader.load(text: text, path: "etc/pgfloat.toml")
        XCTAssertEqual(config.servers.map(\.name), ["pg1", "pg2", "pg3"])
        XCTAssertEqual(
            config.servers.map(\.address.description), ["10.0.0.11:5432", "10.0.0.12:5432", "10.0.0.13:5432"])
        XCTAssertEqual(config.listeners.map(\.name), ["postgres_primary", "postgres_replicas", "postgres_any"])
        XCTAssertEqual(config.listeners.map(\.binds.first?.port), [5432, 5433, 5434])
        XCTAssertEqual(config.listeners.map(\.role), [.primary, .replica, .any])
        XCTAssertEqual(config.listeners.map(\.balance), [.first, .roundrobin, .leastconn])
        XCTAssertEqual(config.listeners.last?.servers, ["pg1", "pg2", "pg3"])
        XCTAssertNotNil(config.global.adminSocket)
        XCTAssertNotNil(config.global.statsBind)
        XCTAssertEqual(config.vrrp.map(\.name), ["VI_PG"])
        XCTAssertEqual(config.vrrp.first?.virtualAddresses.map(\.description), ["10.0.0.100/24"])
        // The example writes every key with a default at that default, but for the script's weight.
        let vrrp = try XCTUnwrap(config.vrrp.first)
        let script = TrackScriptConfig(
            name: "maintenance", script: "/usr/bin/test ! -e /etc/pgfloat/maintenance", weight: -30,
            line: vrrp.trackScripts.first?.line ?? 0)
        XCTAssertEqual(
            vrrp,
            VRRPConfig(
                name: "VI_PG", interface: "eth0", virtualRouterID: 51, virtualAddresses: vrrp.virtualAddresses,
                trackScripts: [script], line: vrrp.line))
        let dcs = try XCTUnwrap(config.dcs)
        XCTAssertEqual(
            dcs,
            DCSConfig(
                endpoints: ["10.0.0.5", "10.0.0.6", "10.0.0.7"].map { .init(tls: false, host: $0, port: 2379) },
                scope: "pg-cluster", line: dcs.line),
            "every key the example writes is at its default")
    }
}
