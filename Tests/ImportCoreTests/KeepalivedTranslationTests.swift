import ConfigModel
import XCTest

@testable import ImportCore

/// keepalived.conf: its syntax, and the instance keywords beyond the design document's.
final class KeepalivedTranslationTests: XCTestCase {
    private let haproxy = ImportSource(
        path: "h.cfg", text: "listen pg\n bind :5432\n server pg1 10.0.0.11:5432 check\n")

    private func load(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> (
        result: ImportResult, config: PGFloatConfig
    ) {
        let result = ConfigImporter.translate(haproxy: haproxy, keepalived: ImportSource(path: "k.conf", text: text))
        do {
            return (result, try ConfigLoader.load(text: result.toml, path: "out.toml"))
        } catch {
            XCTFail("does not load:\n\(error)\n\(result.toml)", file: file, line: line)
            throw error
        }
    }

    private func warnings(_ result: ImportResult) -> [String] {
        result.warnings.map(\.description)
    }

    func testParserBuildsBlocksAcrossLines() {
        let document = KeepalivedDocument(
            text: """
                ! comment
                vrrp_instance VI_1
                {
                    state BACKUP # trailing
                    authentication { auth_type PASS
                        auth_pass "a b" }
                }
                }
                vrrp_script s {
                """)
        XCTAssertEqual(document.nodes.map(\.words), [["vrrp_instance", "VI_1"], ["vrrp_script", "s"]])
        let instance = document.nodes[0]
        XCTAssertEqual(instance.line, 2)
        XCTAssertEqual(instance.children?.map(\.words), [["state", "BACKUP"], ["authentication"]])
        XCTAssertEqual(
            instance.children?[1].children?.map(\.words), [["auth_type", "PASS"], ["auth_pass", "a b"]])
        XCTAssertEqual(document.problems.map(\.line), [8, 9])
    }

    func testInstanceKeywords() throws {
        let (result, config) = try load(
            """
            global_defs {
                script_user keepalived_script
                vrrp_version 3
                vrrp_garp_master_refresh 30
            }
            vrrp_script chk_pg {
                script "/usr/local/bin/check_pg.sh --local"
                interval 3
                timeout 2
                weight -20
                fall 2
                rise 1
            }
            vrrp_instance VI_PG {
                state BACKUP
                nopreempt
                preempt_delay 30
                interface ens3
                virtual_router_id 7
                priority 90
                advert_int 0.5
                unicast_src_ip 10.0.0.1
                unicast_peer {
                    10.0.0.2
                    10.0.0.3
                }
                virtual_ipaddress {
                    10.0.0.100/24 dev ens3 label ens3:pg
                    10.0.0.101
                }
                track_interface {
                    ens4
                }
                track_script {
                    chk_pg weight -30
                }
                garp_master_delay 1
                garp_master_repeat 3
                notify "/etc/keepalived/notify.sh"
                notify_stop /etc/keepalived/stop.sh
            }
            """)
        XCTAssertEqual(config.global.scriptUser, "keepalived_script")
        let vrrp = try XCTUnwrap(config.vrrp.first)
        XCTAssertEqual(vrrp.version, .v3)
        XCTAssertNil(vrrp.authentication)
        XCTAssertFalse(vrrp.preempt)
        XCTAssertEqual(vrrp.preemptDelay, .seconds(30))
        XCTAssertEqual(vrrp.interface, "ens3")
        XCTAssertEqual(vrrp.virtualRouterID, 7)
        XCTAssertEqual(vrrp.priority, 90)
        XCTAssertEqual(vrrp.advertInterval, .milliseconds(500))
        XCTAssertEqual(vrrp.unicastSource?.description, "10.0.0.1")
        XCTAssertEqual(vrrp.unicastPeers.map(\.description), ["10.0.0.2", "10.0.0.3"])
        XCTAssertEqual(vrrp.virtualAddresses.map(\.description), ["10.0.0.100/24", "10.0.0.101/32"])
        XCTAssertEqual(vrrp.virtualAddressLabel, "ens3:pg")
        XCTAssertEqual(vrrp.trackInterfaces, ["ens4"])
        XCTAssertEqual(vrrp.garpMasterDelay, .seconds(1))
        XCTAssertEqual(vrrp.garpMasterRepeat, 3)
        XCTAssertEqual(vrrp.garpMasterRefresh, .seconds(30))
        XCTAssertEqual(vrrp.trackProxy, .fault, "no script checked HAProxy: pgfloat's default")
        XCTAssertEqual(vrrp.notify, "/etc/keepalived/notify.sh")
        XCTAssertEqual(vrrp.notifyStop, "/etc/keepalived/stop.sh")
        XCTAssertEqual(
            vrrp.trackScripts,
            [
                TrackScriptConfig(
                    name: "chk_pg", script: "/usr/local/bin/check_pg.sh --local", interval: .seconds(3),
                    timeout: .seconds(2), fall: 2, rise: 1, weight: -30, line: vrrp.trackScripts.first?.line ?? 0)
            ])
        XCTAssertEqual(warnings(result), [])
        XCTAssertEqual(
            result.diagnostics.map(\.description).filter { $0.hasPrefix("k.conf") },
            [
                "k.conf:14: vrrp_instance: note: no tracked script checked HAProxy: with pgfloat's default, "
                    + "track_proxy = \"fault\", this instance gives up its addresses when this node's proxy fails",
                "k.conf:15: state: note: pgfloat starts as backup and elects by priority (RFC 5798 6.4.1); state was "
                    + "only keepalived's first state",
            ])
    }

    func testWhatCannotBeTranslatedIsReported() throws {
        let (result, config) = try load(
            """
            include /etc/keepalived/conf.d/*.conf
            vrrp_sync_group G { group { VI_1 } }
            vrrp_script relative {
                script "pidof -x check.sh"
            }
            vrrp_script legacy {
                script "/usr/local/bin/check_haproxy_backends.sh"
                weight 0
            }
            vrrp_script unused {
                script "/bin/true"
            }
            vrrp_instance VI_1 {
                state MASTER
                nopreempt
                interface eth0
                virtual_router_id 51
                advert_int 1.5
                authentication {
                    auth_type AH
                    auth_pass x
                }
                virtual_ipaddress {
                    192.168.1.100/24 dev eth1
                    2001:db8::1/64
                }
                track_script {
                    relative
                    legacy
                    missing
                }
                use_vmac
                notify_master "/etc/keepalived/notify.sh master" root
                smtp_alert
                lvs_sync_daemon eth0 VI_1
            }
            """)
        let vrrp = try XCTUnwrap(config.vrrp.first)
        XCTAssertEqual(vrrp.version, .v2)
        XCTAssertEqual(vrrp.advertInterval, .seconds(2))
        XCTAssertNil(vrrp.authentication)
        XCTAssertEqual(vrrp.virtualAddresses.map(\.description), ["192.168.1.100/24"])
        XCTAssertEqual(vrrp.trackScripts.map(\.name), ["legacy"], "the relative script is written commented out")
        XCTAssertTrue(result.toml.contains("# [[vrrp.track_script]]\n# name = \"relative\""))
        XCTAssertEqual(vrrp.notifyMaster, "/etc/keepalived/notify.sh master")
        XCTAssertEqual(
            warnings(result).filter { $0.hasPrefix("k.conf") },
            [
                "k.conf:1: include: not followed: import the included file by pasting it in",
                "k.conf:2: vrrp_sync_group: pgfloat has no sync groups: each [[vrrp]] fails over on its own",
                "k.conf:4: script: pgfloat runs scripts by absolute path, without a PATH search: written commented "
                    + "out; fix the path and uncomment it",
                "k.conf:7: script: this script checks HAProxy, which pgfloat replaces: after the migration it will "
                    + "fail; pgfloat tracks its own proxy (track_proxy), so remove the script or make it check "
                    + "something else",
                "k.conf:15: nopreempt: keepalived ignores nopreempt with state MASTER and takes over; pgfloat "
                    + "honours preempt = false",
                "k.conf:18: advert_int: VRRPv2 cannot send 1500ms; written as 2s",
                "k.conf:20: auth_type: IPsec AH authentication has no equivalent (RFC 3768 removed it): pgfloat sends "
                    + "none, so keepalived peers using AH will not accept its adverts",
                "k.conf:24: virtual_ipaddress: dev eth1: pgfloat adds every address on the instance's interface, eth0",
                "k.conf:25: virtual_ipaddress: 2001:db8::1/64 is not of the family of the first address: an instance "
                    + "holds one family; put it in a second [[vrrp]] by hand",
                "k.conf:30: track_script: no vrrp_script named missing; not tracked",
                "k.conf:32: use_vmac: pgfloat sends from the interface's own MAC address and announces the addresses "
                    + "with gratuitous ARP",
                "k.conf:33: notify_master: a user after the command is not kept: notify scripts run as [global] "
                    + "script_user",
                "k.conf:35: lvs_sync_daemon: not known to the importer; not translated",
            ])
        XCTAssertTrue(
            result.diagnostics.contains {
                $0.description == "k.conf:10: vrrp_script: note: unused is tracked by no vrrp_instance; not translated"
            })
    }

    func testHAProxyChecksInAllTheirFormsBecomeTrackProxy() {
        for script in [
            "/usr/bin/killall -0 haproxy", "killall -0 haproxy", "/bin/pidof haproxy", "pgrep -x haproxy",
            "/bin/systemctl is-active --quiet haproxy", "/bin/sh -c 'kill -0 $(cat /run/haproxy.pid)'",
        ] {
            XCTAssertTrue(KeepalivedValues.checksHAProxyRuns(script), script)
        }
        for script in ["/usr/bin/killall -0 pgbouncer", "/etc/keepalived/check_haproxy.sh", "/bin/true"] {
            XCTAssertFalse(KeepalivedValues.checksHAProxyRuns(script), script)
        }
    }

    func testTrackProxyWeights() throws {
        func trackProxy(weight: String) throws -> TrackProxy? {
            let text = """
                vrrp_script chk { script "/usr/bin/killall -0 haproxy"\(weight.isEmpty ? "" : "\n weight \(weight)") }
                vrrp_instance V { interface eth0
                virtual_router_id 1
                virtual_ipaddress { 10.0.0.1 }
                track_script { chk } }
                """
            return try load(text).config.vrrp.first?.trackProxy
        }
        XCTAssertEqual(try trackProxy(weight: ""), .fault)
        XCTAssertEqual(try trackProxy(weight: "0"), .fault)
        XCTAssertEqual(try trackProxy(weight: "20"), .weight(-20))
        XCTAssertEqual(try trackProxy(weight: "-50"), .weight(-50))
        // keepalived's bound is 253 either way, and pgfloat's too.
        XCTAssertEqual(try trackProxy(weight: "253"), .weight(-253))
        XCTAssertEqual(try trackProxy(weight: "-253"), .weight(-253))
    }

    func testLowerPriorityAnnouncementsAndHigherPriorityAdvertsAreTranslated() throws {
        let text = """
            global_defs {
                vrrp_garp_lower_prio_delay 3
                vrrp_garp_lower_prio_repeat 2
                vrrp_higher_prio_send_advert false
            }
            vrrp_instance A { interface eth0
            virtual_router_id 1
            virtual_ipaddress { 10.0.0.1 } }
            vrrp_instance B { interface eth0
            virtual_router_id 2
            virtual_ipaddress { 10.0.0.2 }
            garp_lower_prio_delay 0
            garp_lower_prio_repeat 4
            higher_prio_send_advert }
            """
        let (result, config) = try load(text)
        XCTAssertEqual(warnings(result), [])
        let a = try XCTUnwrap(config.vrrp.first { $0.name == "A" })
        XCTAssertEqual(a.garpLowerPriorityDelay, .seconds(3))
        XCTAssertEqual(a.garpLowerPriorityRepeat, 2)
        XCTAssertFalse(a.higherPriorityAdvert)
        let b = try XCTUnwrap(config.vrrp.first { $0.name == "B" })
        XCTAssertEqual(b.garpLowerPriorityDelay, .zero)
        XCTAssertEqual(b.garpLowerPriorityRepeat, 4)
        XCTAssertTrue(b.higherPriorityAdvert, "the keyword alone means true, as in keepalived")
    }

    func testLongPasswordsAreCutAsKeepalivedCutsThem() throws {
        let (_, config) = try load(
            """
            vrrp_instance V {
                interface eth0
                virtual_router_id 1
                virtual_ipaddress { 10.0.0.1/24 }
                authentication {
                    auth_type PASS
                    auth_pass 0123456789
                }
            }
            """)
        XCTAssertEqual(config.vrrp.first?.authentication, "01234567")
        XCTAssertEqual(config.vrrp.first?.version, .v2)
    }

    func testSecondsAndIntegers() {
        XCTAssertEqual(KeepalivedValues.seconds("1"), .seconds(1))
        XCTAssertEqual(KeepalivedValues.seconds("0.5"), .milliseconds(500))
        XCTAssertEqual(KeepalivedValues.seconds(".25"), .milliseconds(250))
        XCTAssertEqual(KeepalivedValues.seconds("2.000001"), .microseconds(2_000_001))
        XCTAssertNil(KeepalivedValues.seconds("1.0000001"))
        XCTAssertNil(KeepalivedValues.seconds("-1"))
        XCTAssertNil(KeepalivedValues.seconds("."))
        XCTAssertNil(KeepalivedValues.seconds("1s"))
        XCTAssertEqual(KeepalivedValues.integer("-20"), -20)
        XCTAssertEqual(KeepalivedValues.integer("+3"), 3)
        XCTAssertNil(KeepalivedValues.integer("3x"))
        XCTAssertNil(KeepalivedValues.integer("-"))
    }

    func testAnInstanceWithoutItsRequiredKeywordsIsNotTranslated() throws {
        let (result, config) = try load("vrrp_instance V {\n interface eth0\n}\n")
        XCTAssertEqual(config.vrrp, [])
        XCTAssertEqual(
            warnings(result),
            ["k.conf:1: vrrp_instance: vrrp_instance V has no virtual_router_id, virtual_ipaddress; not translated"])
    }
}
