import ConfigModel
import ImportCore
import XCTest

/// haproxy.cfg shapes beyond the design document: frontend/backend pairs, servers shared or clashing, checks that
/// differ between listeners, and what is reported instead of translated.
final class HAProxyTranslationTests: XCTestCase {
    func load(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> (
        result: ImportResult, config: PGFloatConfig
    ) {
        let result = ConfigImporter.translate(haproxy: ImportSource(path: "h.cfg", text: text))
        do {
            return (result, try ConfigLoader.load(text: result.toml, path: "out.toml"))
        } catch {
            XCTFail("does not load:\n\(error)\n\(result.toml)", file: file, line: line)
            throw error
        }
    }

    func testFrontendsFollowTheirDefaultBackend() throws {
        let (result, config) = try load(
            """
            frontend rw
                bind 10.0.0.100:5432
                maxconn 500
                default_backend primary_nodes
            frontend ro
                bind 10.0.0.100:5433,10.0.0.100:6433
                default_backend replica_nodes
            backend primary_nodes
                option httpchk OPTIONS /master
                server a 10.0.0.11:5432 check port 8008
                server b 10.0.0.12:5432 check port 8008
            backend replica_nodes
                balance leastconn
                option httpchk GET /replica?lag=1048576
                server a 10.0.0.11:5432 check port 8008
                server b 10.0.0.12:5432 check port 8008
            backend unused
                server c 10.0.0.13:5432
            """)
        XCTAssertEqual(config.listeners.map(\.name), ["rw", "ro"])
        XCTAssertEqual(config.listeners.map(\.role), [.primary, .replica])
        XCTAssertEqual(config.listeners.map(\.maxconn), [500, 1000])
        XCTAssertEqual(config.listeners[1].binds.map(\.description), ["10.0.0.100:5433", "10.0.0.100:6433"])
        XCTAssertEqual(config.listeners[1].balance, .leastconn)
        XCTAssertEqual(config.listeners[1].maxLag, .bytes(1_048_576))
        XCTAssertEqual(config.servers.map(\.name), ["a", "b"])
        XCTAssertEqual(config.check.type, .patroni)
        XCTAssertEqual(
            result.warnings.map(\.description),
            ["h.cfg:17: backend: backend unused is no frontend's default_backend; not translated"])
    }

    func testPatroniEndpointsBecomeRolesAndTagsThatLoad() throws {
        let backends = [
            ("sync", "/sync"), ("async", "/async?lag=16MB"), ("dr", "/standby-leader"),
            ("east", "/replica?tag_datacenter=east&tag_zone=eu-1"), ("ro", "/read-only"),
        ]
        let text = backends.enumerated().map { index, backend in
            """
            listen \(backend.0)
                bind 10.0.0.100:\(5433 + index)
                option httpchk GET \(backend.1)
                server a 10.0.0.11:5432 check port 8008
                server b 10.0.0.12:5432 check port 8008
            """
        }.joined(separator: "\n")
        let (result, config) = try load(text)
        XCTAssertEqual(config.listeners.map(\.role), [.sync, .async, .standbyLeader, .replica, .any])
        XCTAssertEqual(config.listeners[1].maxLag, .bytes(16 << 20))
        XCTAssertEqual(config.listeners[3].tags, ["datacenter": "east", "zone": "eu-1"])
        XCTAssertTrue(result.toml.contains(#"tags = { datacenter = "east", zone = "eu-1" }"#), result.toml)
        XCTAssertEqual(result.warnings.map(\.description), [])
    }

    func testAServerNameReusedForAnotherAddressIsRenamed() throws {
        let (result, config) = try load(
            """
            listen direct
                bind :5432
                server pg1 10.0.0.11:5432 check
            listen pooled
                bind :6432
                server pg1 10.0.0.11:6432 check
            """)
        XCTAssertEqual(config.servers.map(\.name), ["pg1", "pg1_pooled"])
        XCTAssertEqual(config.listeners.map(\.servers), [["pg1"], ["pg1_pooled"]])
        XCTAssertEqual(config.check.type, .tcp)
        XCTAssertEqual(
            result.warnings.map(\.description),
            ["h.cfg:6: server: server pg1 is 10.0.0.11:6432 here but 10.0.0.11:5432 at line 3: written as pg1_pooled"])
    }

    func testServersCheckedDifferentlyGetTheirOwnCheckType() throws {
        let (result, config) = try load(
            """
            listen patroni
                bind :5432
                option httpchk GET /primary
                server pg1 10.0.0.11:5432 check port 8008
                server pg2 10.0.0.12:5432 check port 8008
            listen legacy
                bind :5433
                option pgsql-check user monitor
                server old 10.0.0.20:5432 check
            """)
        XCTAssertEqual(config.check.type, .patroni)
        XCTAssertEqual(config.check.port, 8008)
        XCTAssertEqual(config.check.user, "monitor")
        let old = try XCTUnwrap(config.server(named: "old"))
        XCTAssertEqual(old.checkType, .pgsql)
        XCTAssertEqual(config.check.forServer(old).checkPort(for: old), 5432)
        XCTAssertEqual(config.listeners.map(\.role), [.primary, .any])
        XCTAssertEqual(result.warnings.count, 1, "\(result.warnings)")
    }

    func testOneServerCheckedTwoWaysKeepsTheRicherCheck() throws {
        let (result, config) = try load(
            """
            listen rw
                bind :5432
                option httpchk GET /primary
                server pg1 10.0.0.11:5432 check port 8008
            listen any
                bind :5434
                server pg1 10.0.0.11:5432 check
            """)
        XCTAssertEqual(config.check.type, .patroni)
        XCTAssertEqual(config.check.port, 8008)
        XCTAssertEqual(
            result.warnings.map(\.description),
            [
                "h.cfg:7: server check: listeners check server pg1 differently (patroni, tcp); pgfloat checks each "
                    + "server once, for every listener: kept patroni"
            ])
    }

    func testTimeoutsThatDifferKeepTheLongest() throws {
        let (result, config) = try load(
            """
            defaults
                timeout client 30s
                timeout server 30s
            listen a
                bind :5432
                server pg1 10.0.0.11:5432
            listen b
                bind :5433
                timeout client 1h
                server pg1 10.0.0.11:5432
            """)
        XCTAssertEqual(config.defaults.timeoutClient, .seconds(3600))
        XCTAssertEqual(config.defaults.timeoutServer, .seconds(30))
        XCTAssertEqual(
            result.warnings.map(\.description),
            [
                "h.cfg:2: timeout client: pgfloat has one value for every listener; kept the longest, 1h",
                "h.cfg:6: server: server pg1 has no check: HAProxy took it as always up; pgfloat checks every server "
                    + "with [check]",
            ])
    }

    func testTunnelTimeoutReplacesBothIdleTimeouts() throws {
        let (_, config) = try load(
            "defaults\n timeout client 30s\n timeout tunnel 2h\nlisten a\n bind :1\n server s h:1 check\n")
        XCTAssertEqual(config.defaults.timeoutClient, .seconds(7200))
        XCTAssertEqual(config.defaults.timeoutServer, .seconds(7200))
    }

    func testWeightsKeepHAProxysRatios() throws {
        let (_, config) = try load(
            "listen a\n bind :5432\n server big h1:5432 check weight 3\n server small h2:5432 check\n")
        XCTAssertEqual(config.servers.map(\.weight), [3, 1], "HAProxy's default weight is 1, pgfloat's 100")
    }

    func testWhatCannotBeTranslatedIsReported() throws {
        let (result, config) = try load(
            """
            global
                stats socket ipv4@127.0.0.1:9999 level admin
            frontend stats
                bind 127.0.0.1:8404
                mode http
                stats uri /haproxy?stats
                stats auth admin:secret
            listen pg
                bind :5432 ssl crt /etc/ssl/pg.pem
                mode http
                balance uri
                acl local src 10.0.0.0/8
                option httpchk GET /
                server pg1 10.0.0.11:5432 check send-proxy disabled
            """)
        XCTAssertNil(config.global.adminSocket)
        XCTAssertEqual(config.global.statsBind?.description, "127.0.0.1:8404")
        XCTAssertEqual(config.listeners.first?.balance, .roundrobin)
        let patroniSlash =
            "\"/\" is Patroni's primary endpoint; if this check does not ask Patroni, set the role by hand"
        XCTAssertEqual(
            result.warnings.map(\.description),
            [
                "h.cfg:2: stats socket: \"ipv4@127.0.0.1:9999\" is not a UNIX socket path: the admin socket is a UNIX "
                    + "socket; not translated",
                "h.cfg:6: stats uri: pgfloat serves the page at /stats; /haproxy?stats is not kept",
                "h.cfg:7: stats auth: write the user:password lines to a file and name it in [global] "
                    + "stats_auth_file (the importer writes no secrets)",
                "h.cfg:9: bind: pgfloat does not terminate TLS: clients' TLS goes through to PostgreSQL; bind ssl "
                    + "parameters are not kept",
                "h.cfg:10: mode: pgfloat proxies TCP only; pg is translated as TCP",
                "h.cfg:11: balance: balance uri has no equivalent for TCP sessions: roundrobin",
                "h.cfg:12: acl: pgfloat has no ACLs or request rules (its /metrics replaces `http-request use-service "
                    + "prometheus-exporter`)",
                "h.cfg:13: option httpchk: \(patroniSlash)",
                "h.cfg:14: server send-proxy: PostgreSQL does not read the PROXY protocol; pgfloat sends none",
                "h.cfg:14: server disabled: pgfloat starts every server ready: put it in maintenance with `set server "
                    + "L/S state maint` on the runtime API",
            ])
    }

    func testNothingToTranslate() {
        let result = ConfigImporter.translate(haproxy: ImportSource(path: "h.cfg", text: "global\n daemon\n"))
        XCTAssertTrue(result.translatedNothing)
        XCTAssertEqual(result.listenerCount, 0)
    }

    func testNamesPgfloatRejectsAreRewritten() throws {
        let (result, config) = try load("listen pg:rw\n bind :5432\n server db/1 10.0.0.1:5432 check\n")
        XCTAssertEqual(config.listeners.map(\.name), ["pg_rw"])
        XCTAssertEqual(config.servers.map(\.name), ["db_1"])
        XCTAssertEqual(result.warnings.count, 2)
    }
}

extension HAProxyTranslationTests {
    func testProxiesInheritTheDefaultsAboveOrTheNamedOne() throws {
        let (_, config) = try load(
            """
            defaults slow
                timeout connect 9s
                retries 5
            defaults
                timeout connect 2s
            listen a from slow
                bind :5432
                server pg1 10.0.0.11:5432 check
            """)
        XCTAssertEqual(config.defaults.timeoutConnect, .seconds(9))
        XCTAssertEqual(config.defaults.retries, 5)
        XCTAssertEqual(config.listeners.map { $0.binds.map(\.description) }, [["0.0.0.0:5432"]])
    }
}
