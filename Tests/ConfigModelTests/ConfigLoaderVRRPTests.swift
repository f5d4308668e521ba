import ConfigModel
import NetTypes
import XCTest

/// A valid `[[vrrp]]` on lines 1...5; tests append keys from line 6 or further tables.
let minimalVRRP = """
    [[vrrp]]
    name = "vi_1"
    interface = "eth0"
    virtual_router_id = 51
    virtual_addresses = ["10.0.0.100/24"]
    """

/// `tables` first, so their line numbers are the file's, then a valid server and listener.
func withProxy(_ tables: String) -> String {
    tables + "\n" + minimalServer + "\n" + minimalListener
}

/// `[[vrrp]]` and `[global] script_user` that load: every key, the defaults, and nested track scripts.
final class ConfigLoaderVRRPTests: XCTestCase {
    private func network(_ text: String) throws -> IPNetwork { try XCTUnwrap(IPNetwork(text)) }
    private func address(_ text: String) throws -> IPAddress { try XCTUnwrap(IPAddress(text)) }

    func testCompleteInstancesParseEveryKey() throws {
        let text = withProxy("""
            [global]
            script_user = "keepalived_script"

            [[vrrp]]
            name = "vi_1"
            interface = "eth0"
            virtual_router_id = 51
            priority = 254
            advert_interval = "3s"
            version = 2
            preempt = false
            preempt_delay = "1000s"
            virtual_addresses = ["10.0.0.100/24", "10.0.0.101"]
            virtual_address_label = "eth0:vip"
            unicast_source = "10.0.0.1"
            unicast_peers = ["10.0.0.2", "10.0.0.3"]
            authentication = "s3cr3t!!"
            v3_checksum_as_v2 = false
            unicast_ttl_check = true
            garp_master_delay = "0s"
            garp_master_repeat = 100
            garp_master_refresh = "0s"
            track_proxy = -50
            track_backends = -253
            track_interface = ["eth1", "bond0.100"]
            notify_master = "/etc/pgfloat/notify.sh master --fast"
            notify_backup = "/etc/pgfloat/notify.sh backup"
            notify_fault = "/etc/pgfloat/notify.sh fault"
            notify_stop = "/etc/pgfloat/notify.sh stop"
            notify = "/usr/bin/logger -t pgfloat"
            notify_timeout = "30s"

            [[vrrp.track_script]]
            name = "chk_pg"
            script = "/usr/local/bin/check_pg --port 5432"
            interval = "500ms"
            timeout = "3s"
            fall = 3
            rise = 2
            weight = -20

            [[vrrp.track_script]]
            name = "chk_disk"
            script = "/usr/local/bin/chk_disk"
            interval = "5s"

            [[vrrp]]
            name = "vi_6"
            interface = "eth0"
            virtual_router_id = 51
            advert_interval = "40950ms"
            virtual_addresses = ["2001:DB8:0::100/64", "fe80::100"]
            unicast_peers = ["2001:db8::2"]
            track_proxy = "off"

            [[vrrp.track_script]]
            name = "chk_pg"
            script = "/bin/true"
            weight = 253

            [[vrrp]]
            name = "vi_2"
            interface = "eth1"
            virtual_router_id = 1
            advert_interval = "10ms"
            virtual_addresses = ["192.168.1.10/32"]
            v3_checksum_as_v2 = true
            track_proxy = "fault"
            """)
        let config = try ConfigLoader.load(text: text, path: "vrrp.toml")
        XCTAssertEqual(config.global.scriptUser, "keepalived_script")
        let expected = [
            VRRPConfig(
                name: "vi_1", interface: "eth0", virtualRouterID: 51, priority: 254, advertInterval: .seconds(3),
                version: .v2, preempt: false, preemptDelay: .seconds(1000),
                virtualAddresses: [try network("10.0.0.100/24"), try network("10.0.0.101/32")],
                virtualAddressLabel: "eth0:vip", unicastSource: try address("10.0.0.1"),
                unicastPeers: [try address("10.0.0.2"), try address("10.0.0.3")], authentication: "s3cr3t!!",
                v3ChecksumAsV2: false, unicastTTLCheck: true, garpMasterDelay: .zero, garpMasterRepeat: 100,
                garpMasterRefresh: .zero, trackProxy: .weight(-50), trackBackends: -253,
                trackInterfaces: ["eth1", "bond0.100"], notifyMaster: "/etc/pgfloat/notify.sh master --fast",
                notifyBackup: "/etc/pgfloat/notify.sh backup", notifyFault: "/etc/pgfloat/notify.sh fault",
                notifyStop: "/etc/pgfloat/notify.sh stop", notify: "/usr/bin/logger -t pgfloat",
                notifyTimeout: .seconds(30),
                trackScripts: [
                    TrackScriptConfig(
                        name: "chk_pg", script: "/usr/local/bin/check_pg --port 5432", interval: .milliseconds(500),
                        timeout: .seconds(3), fall: 3, rise: 2, weight: -20, line: 33),
                    TrackScriptConfig(
                        name: "chk_disk", script: "/usr/local/bin/chk_disk", interval: .seconds(5), line: 42),
                ],
                line: 4),
            VRRPConfig(
                name: "vi_6", interface: "eth0", virtualRouterID: 51, advertInterval: .milliseconds(40950),
                virtualAddresses: [try network("2001:db8::100/64"), try network("fe80::100/128")],
                unicastPeers: [try address("2001:db8::2")], trackProxy: .off,
                trackScripts: [TrackScriptConfig(name: "chk_pg", script: "/bin/true", weight: 253, line: 56)],
                line: 47),
            VRRPConfig(
                name: "vi_2", interface: "eth1", virtualRouterID: 1, advertInterval: .milliseconds(10),
                virtualAddresses: [try network("192.168.1.10/32")], v3ChecksumAsV2: true, trackProxy: .fault,
                line: 61),
        ]
        XCTAssertEqual(config.vrrp, expected)
        XCTAssertEqual(config.vrrp.map(\.family), [.v4, .v6, .v4])
        XCTAssertEqual(config.vrrp.map(\.isUnicast), [true, true, false])
        XCTAssertEqual(config.vrrp[1].virtualAddresses.map(\.description), ["2001:db8::100/64", "fe80::100/128"])
        // A timeout left out follows the interval written for the same script.
        XCTAssertEqual(config.vrrp[0].trackScripts[1].timeout, .seconds(5))
    }

    func testDefaultsApplyWhenKeysAreAbsent() throws {
        let config = try ConfigLoader.load(text: withProxy(minimalVRRP), path: "t.toml")
        XCTAssertNil(config.global.scriptUser)
        let vrrp = try XCTUnwrap(config.vrrp.first)
        XCTAssertEqual(
            vrrp,
            VRRPConfig(
                name: "vi_1", interface: "eth0", virtualRouterID: 51, virtualAddresses: [try network("10.0.0.100/24")],
                line: 1))
        XCTAssertEqual(vrrp.priority, 100)
        XCTAssertEqual(vrrp.advertInterval, .seconds(1))
        XCTAssertEqual(vrrp.version, .v3)
        XCTAssertTrue(vrrp.preempt)
        XCTAssertEqual(vrrp.preemptDelay, .zero)
        XCTAssertNil(vrrp.virtualAddressLabel)
        XCTAssertNil(vrrp.unicastSource)
        XCTAssertEqual(vrrp.unicastPeers, [])
        XCTAssertFalse(vrrp.isUnicast)
        XCTAssertNil(vrrp.authentication)
        XCTAssertFalse(vrrp.v3ChecksumAsV2)
        XCTAssertFalse(vrrp.unicastTTLCheck)
        XCTAssertEqual(vrrp.garpMasterDelay, .seconds(5))
        XCTAssertEqual(vrrp.garpMasterRepeat, 5)
        XCTAssertEqual(vrrp.garpMasterRefresh, .seconds(60))
        XCTAssertEqual(vrrp.trackProxy, .fault)
        XCTAssertNil(vrrp.trackBackends)
        XCTAssertEqual(vrrp.trackInterfaces, [])
        XCTAssertNil(vrrp.notifyMaster)
        XCTAssertNil(vrrp.notify)
        XCTAssertEqual(vrrp.notifyTimeout, .seconds(10))
        XCTAssertEqual(vrrp.trackScripts, [])
    }

    func testTrackScriptDefaults() throws {
        let text = withProxy(minimalVRRP + "\n[[vrrp.track_script]]\nname = \"chk\"\nscript = \"/bin/true\"")
        let script = try XCTUnwrap(ConfigLoader.load(text: text, path: "t.toml").vrrp.first?.trackScripts.first)
        XCTAssertEqual(script, TrackScriptConfig(name: "chk", script: "/bin/true", line: 6))
        XCTAssertEqual(script.interval, .seconds(2))
        XCTAssertEqual(script.timeout, .seconds(2))
        XCTAssertEqual(script.fall, 1)
        XCTAssertEqual(script.rise, 1)
        XCTAssertEqual(script.weight, 0)
    }

    func testNoVRRPTablesMeansNoInstances() throws {
        let config = try ConfigLoader.load(text: withProxy(""), path: "t.toml")
        XCTAssertEqual(config.vrrp, [])
    }

    func testInlineTablesLoadLikeHeaders() throws {
        // TOML 1.0 keeps an inline table on one line.
        let text = withProxy(
            #"vrrp = [{ name = "a", interface = "eth0", virtual_router_id = 1, virtual_addresses = ["10.0.0.1"], "#
                + #"track_script = [{ name = "s", script = "/bin/true" }] }]"#)
        let config = try ConfigLoader.load(text: text, path: "t.toml")
        XCTAssertEqual(config.vrrp.map(\.name), ["a"])
        XCTAssertEqual(config.vrrp.first?.trackScripts.map(\.name), ["s"])
    }
}
