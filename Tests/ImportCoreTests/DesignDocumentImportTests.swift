import ConfigModel
import ImportCore
import XCTest

/// The configurations of the design document (RFC-007), imported: the output is pinned as golden text, loads with
/// pgfloat's own loader into the expected listeners, roles, servers, check and VRRP instance, and the warnings
/// are exactly the expected lines.
final class DesignDocumentImportTests: XCTestCase {
    func testPatroniAndKeepalivedGiveTheGoldenFile() throws {
        let (result, _) = try importAndLoad(haproxy: "patroni-haproxy.cfg", keepalived: "keepalived.conf")
        XCTAssertEqual(result.toml, try Fixture.text("patroni-expected.toml"))
    }

    func testPatroniListenersBecomeRolesOverOnePatroniCheck() throws {
        let (_, config) = try importAndLoad(haproxy: "patroni-haproxy.cfg", keepalived: "keepalived.conf")
        XCTAssertEqual(config.listeners.map(\.name), ["postgres_primary", "postgres_replicas", "postgres_any"])
        XCTAssertEqual(config.listeners.map(\.role), [.primary, .replica, .any])
        XCTAssertEqual(
            config.listeners.map { $0.binds.map(\.description) },
            [["0.0.0.0:5432"], ["0.0.0.0:5433"], ["0.0.0.0:5434"]])
        XCTAssertEqual(config.listeners.map(\.balance), [.roundrobin, .roundrobin, .roundrobin])
        XCTAssertEqual(config.listeners.map(\.onMarkedDown), [.shutdownSessions, MarkedDownAction.none, .none])
        for listener in config.listeners { XCTAssertEqual(listener.servers, ["pg1", "pg2", "pg3"]) }

        // Three listeners x three servers in HAProxy; three servers, each checked once, in pgfloat.
        XCTAssertEqual(config.servers.map(\.name), ["pg1", "pg2", "pg3"])
        XCTAssertEqual(
            config.servers.map(\.address.description),
            ["pg1.example.com:5432", "pg2.example.com:5432", "pg3.example.com:5432"])
        XCTAssertEqual(config.servers.map(\.backup), [false, false, false])
        XCTAssertEqual(config.check.type, .patroni)
        XCTAssertEqual(config.check.interval, .seconds(3))
        XCTAssertEqual(config.check.rise, 2)
        XCTAssertEqual(config.check.fall, 3)
        XCTAssertEqual(config.check.checkPort(for: config.servers[0]), 8008)
        XCTAssertNil(config.servers[0].checkType)

        XCTAssertEqual(config.global.adminSocket, "/run/haproxy/admin.sock")
        XCTAssertEqual(config.global.statsBind?.description, "0.0.0.0:8404")
        XCTAssertEqual(config.global.statsRefresh, .seconds(10))
        XCTAssertFalse(config.global.statsAdmin)
        XCTAssertEqual(config.defaults.timeoutConnect, .seconds(5))
        XCTAssertEqual(config.defaults.timeoutClient, .seconds(30))
        XCTAssertEqual(config.defaults.timeoutServer, .seconds(30))
        XCTAssertEqual(config.defaults.retries, 3)

        let vrrp = try XCTUnwrap(config.vrrp.first)
        XCTAssertEqual(config.vrrp.count, 1)
        XCTAssertEqual(vrrp.name, "VI_1")
        XCTAssertEqual(vrrp.interface, "eth0")
        XCTAssertEqual(vrrp.virtualRouterID, 51)
        XCTAssertEqual(vrrp.priority, 100)
        XCTAssertEqual(vrrp.advertInterval, .seconds(1))
        XCTAssertEqual(vrrp.version, .v2)
        XCTAssertEqual(vrrp.authentication, "secretpa")
        XCTAssertEqual(vrrp.virtualAddresses.map(\.description), ["192.168.1.100/24"])
        XCTAssertEqual(vrrp.trackProxy, .weight(-2))
        XCTAssertEqual(vrrp.trackScripts, [])
        XCTAssertEqual(vrrp.notifyMaster, "/etc/keepalived/notify.sh master")
        XCTAssertEqual(vrrp.notifyBackup, "/etc/keepalived/notify.sh backup")
        XCTAssertEqual(vrrp.notifyFault, "/etc/keepalived/notify.sh fault")
        XCTAssertTrue(vrrp.preempt)
    }

    func testPatroniAndKeepalivedDiagnostics() throws {
        let (result, _) = try importAndLoad(haproxy: "patroni-haproxy.cfg", keepalived: "keepalived.conf")
        XCTAssertEqual(
            result.warnings.map(\.description),
            [
                "patroni-haproxy.cfg:35: stats admin: pgfloat has no ACLs, so stats_admin stays false: true would "
                    + "accept POST /admin from every client of stats_bind; turn it on together with stats_auth_file",
                "keepalived.conf:26: auth_pass: keepalived sends only the first 8 bytes of the password; pgfloat is "
                    + "given those, \"secretpa\", so the two interoperate",
            ])
        XCTAssertEqual(
            result.diagnostics.filter { $0.severity == .note }.map { "\($0.file):\($0.line): \($0.directive)" },
            [
                "patroni-haproxy.cfg:4: log", "patroni-haproxy.cfg:5: chroot", "patroni-haproxy.cfg:7: stats timeout",
                "patroni-haproxy.cfg:8: user", "patroni-haproxy.cfg:9: group", "patroni-haproxy.cfg:10: daemon",
                "patroni-haproxy.cfg:13: ssl-default-bind-ciphers", "patroni-haproxy.cfg:14: ssl-default-bind-options",
                "patroni-haproxy.cfg:20: option dontlognull", "keepalived.conf:4: router_id",
                "keepalived.conf:10: script", "keepalived.conf:18: state",
            ])
        let track = try XCTUnwrap(result.diagnostics.first { $0.directive == "script" })
        XCTAssertEqual(
            track.description,
            "keepalived.conf:10: script: note: check_haproxy checked that HAProxy runs; pgfloat tracks its own proxy "
                + "instead: track_proxy = -2 (keepalived's weight 2 while it succeeded); its interval, fall and rise "
                + "are not needed")
    }

    func testPgAutoFailoverPgsqlCheckBecomesARoleAwarePgsqlCheck() throws {
        let (result, config) = try importAndLoad(haproxy: "pg_auto_failover-haproxy.cfg")
        XCTAssertEqual(result.toml, try Fixture.text("pg_auto_failover-expected.toml"))
        XCTAssertEqual(config.check.type, .pgsql)
        XCTAssertEqual(config.check.user, "haproxy")
        XCTAssertEqual(config.check.interval, .seconds(3))
        XCTAssertEqual(config.servers.map(\.name), ["pg1", "pg2"])
        XCTAssertEqual(config.servers.map(\.backup), [false, true])
        let listener = try XCTUnwrap(config.listeners.first)
        XCTAssertEqual(listener.name, "postgres_primary")
        XCTAssertEqual(listener.role, .primary)
        XCTAssertEqual(listener.servers, ["pg1", "pg2"])
        XCTAssertEqual(config.vrrp, [])
        XCTAssertEqual(
            result.diagnostics.map(\.description),
            [
                "pg_auto_failover-haproxy.cfg:7: option pgsql-check: HAProxy's check only proved that PostgreSQL "
                    + "answers; pgfloat's pgsql check logs in as haproxy and learns each server's role, so listener "
                    + "postgres_primary now routes to role = \"primary\" only, from its name (role = \"any\" routes "
                    + "as HAProxy did). The check user needs a pg_hba.conf entry ([check] password_file if a "
                    + "password is asked), and GRANT pg_monitor for replicas' timelines"
            ])
    }

    func testExternalCheckScriptBecomesAnExternalCheck() throws {
        let (result, config) = try importAndLoad(haproxy: "external-check-haproxy.cfg")
        XCTAssertEqual(config.check.type, .external)
        XCTAssertEqual(config.check.command, "/etc/haproxy/check_postgres.sh")
        XCTAssertEqual(config.check.interval, .seconds(2), "HAProxy's default inter")
        XCTAssertEqual(config.listeners.map(\.role), [.any])
        XCTAssertEqual(config.listeners.first?.servers, ["pg1", "pg2", "pg3"])
        XCTAssertEqual(
            result.diagnostics.map(\.description),
            [
                "external-check-haproxy.cfg:9: option external-check: listener postgres_primary routes to any server "
                    + "that passes the check; to route by role, make the command print role=primary or role=replica "
                    + "and set the listener's role",
                "external-check-haproxy.cfg:10: external-check path: note: the command is run by its absolute path, "
                    + "without a PATH search",
                "external-check-haproxy.cfg:11: external-check command: the command gets PGFLOAT_SERVER_NAME, "
                    + "PGFLOAT_SERVER_ADDR and PGFLOAT_SERVER_PORT in its environment instead of HAProxy's arguments, "
                    + "and may print role=primary or role=replica so listeners can route by role",
            ])
    }

    /// The design document's tuning lines: `inter 1s fall 2 rise 1` in one listener and `inter 5s fall 3 rise 2`
    /// in the other is the one real loss of checking each server once.
    func testTuningLinesAndListenersThatDisagreeOnTiming() throws {
        let (result, config) = try importAndLoad(haproxy: "tuning-haproxy.cfg")
        XCTAssertEqual(config.defaults.maxconn, 1000)
        XCTAssertEqual(config.servers.map(\.maxconn), [100, 100])
        XCTAssertEqual(config.servers.map(\.slowstart), [.seconds(60), .seconds(60)])
        XCTAssertEqual(config.check.interval, .seconds(1))
        XCTAssertEqual(config.check.rise, 1)
        XCTAssertEqual(config.check.fall, 2)
        XCTAssertEqual(config.listeners.map(\.role), [.primary, .replica])
        XCTAssertEqual(config.listeners.map(\.onMarkedDown), [.shutdownSessions, MarkedDownAction.none])
        XCTAssertEqual(config.listeners.map(\.balance), [.roundrobin, .leastconn])
        XCTAssertEqual(config.listeners.map(\.maxLag), [nil, .bytes(16 << 20)])
        let reason = "pgfloat checks each server once, for every listener"
        XCTAssertEqual(
            result.diagnostics.map(\.description),
            [
                "tuning-haproxy.cfg:24: default-server inter: inter differs (1s, 5s): \(reason); kept 1s",
                "tuning-haproxy.cfg:24: default-server rise: rise differs (1, 2): \(reason); kept 1",
                "tuning-haproxy.cfg:24: default-server fall: fall differs (2, 3): \(reason); kept 2",
            ])
    }

    /// Every directive of the design document's configurations is in the importer's table: translated, or
    /// reported with its reason, never "not known".
    func testEveryDesignDocumentDirectiveIsKnown() throws {
        let pairs: [(String, String?)] = [
            ("patroni-haproxy.cfg", "keepalived.conf"), ("pg_auto_failover-haproxy.cfg", nil),
            ("external-check-haproxy.cfg", nil), ("tuning-haproxy.cfg", nil),
        ]
        for (haproxy, keepalived) in pairs {
            let result = ConfigImporter.translate(
                haproxy: try Fixture.source(haproxy), keepalived: try keepalived.map(Fixture.source))
            let unknown = result.diagnostics.filter { $0.message.contains("not known to the importer") }
            XCTAssertEqual(unknown.map(\.description), [], haproxy)
        }
    }
}
