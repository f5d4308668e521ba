import ConfigModel
import XCTest

/// `[[vrrp]]` problems: values a key cannot take, rules that span keys of one instance, and rules across instances.
final class ConfigLoaderVRRPCheckTests: XCTestCase {
    /// The problems of ``minimalVRRP`` with `lines` appended from line 6.
    private func problems(adding lines: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        descriptions(withProxy(minimalVRRP + "\n" + lines), file: file, line: line)
    }

    /// The problems of ``minimalVRRP`` whose `virtual_addresses` (line 5) is `addresses`, with `lines` from line 6.
    private func problems(
        addresses: String, adding lines: String = "", file: StaticString = #filePath, line: UInt = #line
    ) -> [String] {
        let vrrp = minimalVRRP.replacingOccurrences(of: #"["10.0.0.100/24"]"#, with: addresses)
        return descriptions(withProxy(vrrp + "\n" + lines), file: file, line: line)
    }

    /// A second instance, header on the line after ``minimalVRRP`` (line 6).
    private func instance(_ name: String, _ interface: String, _ id: Int, _ address: String) -> String {
        """
        [[vrrp]]
        name = "\(name)"
        interface = "\(interface)"
        virtual_router_id = \(id)
        virtual_addresses = ["\(address)"]
        """
    }

    // MARK: - Across instances

    func testDuplicateInstanceName() {
        XCTAssertEqual(
            problems(adding: instance("vi_1", "eth0", 52, "10.0.0.101/24")),
            [#"t.toml:7: vrrp.name: duplicate vrrp instance name "vi_1"; first defined on line 2"#])
    }

    func testSameRouterIDOnOneInterfaceAndFamily() {
        XCTAssertEqual(
            problems(adding: instance("vi_2", "eth0", 51, "10.0.0.101/24")),
            [
                #"t.toml:9: vrrp.virtual_router_id: virtual router id 51 is already used on "eth0" for IPv4 by "#
                    + #"vrrp instance "vi_1" on line 4"#
            ])
        // Another interface, or the other family (RFC 5798 7.3 gives each its own MAC), is another router.
        XCTAssertNoThrow(
            try ConfigLoader.load(
                text: withProxy(minimalVRRP + "\n" + instance("vi_2", "eth1", 51, "10.0.0.101/24") + "\n"
                    + instance("vi_3", "eth0", 51, "2001:db8::1/64")),
                path: "t.toml"))
    }

    // MARK: - Version rules

    func testVersion3RefusesAuthentication() {
        let expected = [
            "t.toml:6: vrrp.authentication: VRRPv3 has no authentication (RFC 5798 9); remove it or set version = 2"
        ]
        XCTAssertEqual(problems(adding: #"authentication = "secret""#), expected)
        XCTAssertEqual(problems(adding: "authentication = \"secret\"\nversion = 3"), expected)
        XCTAssertNoThrow(
            try ConfigLoader.load(
                text: withProxy(minimalVRRP + "\nauthentication = \"secret\"\nversion = 2"), path: "t.toml"))
    }

    func testVersion2IsIPv4Only() {
        XCTAssertEqual(
            problems(addresses: #"["2001:db8::100/64"]"#, adding: "version = 2"),
            ["t.toml:5: vrrp.virtual_addresses: VRRPv2 is IPv4 only; use version = 3 for IPv6 addresses"])
    }

    func testAdvertIntervalMustFitTheVersion() {
        let version2 = "VRRPv2 sends whole seconds from 1s to 255s"
        let version3 = "VRRPv3 sends a multiple of 10ms from 10ms to 40950ms"
        for (interval, version, message) in [
            ("1500ms", 2, version2), ("256s", 2, version2), ("5m", 2, version2), ("100us", 2, version2),
            ("5ms", 3, version3), ("15ms", 3, version3), ("41s", 3, version3), ("40960ms", 3, version3),
            ("1m", 3, version3),
        ] {
            XCTAssertEqual(
                problems(adding: "advert_interval = \"\(interval)\"\nversion = \(version)"),
                ["t.toml:6: vrrp.advert_interval: \(message), got \"\(interval)\""], interval)
        }
        for (interval, version) in [("1s", 2), ("255s", 2), ("4m", 2), ("10ms", 3), ("40950ms", 3), ("2s", 3)] {
            let text = withProxy(minimalVRRP + "\nadvert_interval = \"\(interval)\"\nversion = \(version)")
            XCTAssertNoThrow(try ConfigLoader.load(text: text, path: "t.toml"), interval)
        }
    }

    func testChecksumAsV2OnlyForVersion3OverIPv4() {
        XCTAssertEqual(
            problems(adding: "version = 2\nv3_checksum_as_v2 = true"),
            ["t.toml:7: vrrp.v3_checksum_as_v2: applies to VRRPv3 over IPv4 only, and this instance uses version 2"])
        XCTAssertEqual(
            problems(addresses: #"["2001:db8::100/64"]"#, adding: "v3_checksum_as_v2 = true"),
            [
                "t.toml:6: vrrp.v3_checksum_as_v2: applies to VRRPv3 over IPv4 only, and this instance's addresses "
                    + "are IPv6"
            ])
        XCTAssertNoThrow(
            try ConfigLoader.load(
                text: withProxy(minimalVRRP + "\nversion = 2\nv3_checksum_as_v2 = false"), path: "t"),
            "false is harmless")
    }

    func testVersionIsTwoOrThree() {
        XCTAssertEqual(problems(adding: "version = 4"), ["t.toml:6: vrrp.version: expected version 2 or 3, got 4"])
        XCTAssertEqual(
            problems(adding: #"version = "3""#), [#"t.toml:6: vrrp.version: expected version 2 or 3, got string "3""#])
    }

    // MARK: - Addresses

    func testVirtualAddresses() {
        let cases: [(String, String)] = [
            ("[]", "expected at least one virtual address, got an empty array"),
            (#""10.0.0.1""#, #"expected an array of address strings, got string "10.0.0.1""#),
            (
                #"["10.0.0.1", "2001:db8::1"]"#,
                "2001:db8::1/128 is IPv6 but 10.0.0.1/32 is IPv4; an instance holds one address family, so put the "
                    + "others in a second [[vrrp]]"
            ),
            (#"["10.0.0.1/24", "10.0.0.1/32"]"#, "10.0.0.1 is listed twice"),
            (#"["2001:db8::1", "2001:DB8:0::1/64"]"#, "2001:db8::1 is listed twice"),
            (
                #"["10.0.0.300/24"]"#,
                #""10.0.0.300/24" is not an IPv4 or IPv6 address, with an optional "/" and prefix length"#
            ),
            (#"["[::1]"]"#, #""[::1]" is not an IPv4 or IPv6 address, with an optional "/" and prefix length"#),
            (#"["10.0.0.1/33"]"#, #"invalid prefix length in "10.0.0.1/33"; expected 0...32 after the "/""#),
            (#"["::1/129"]"#, #"invalid prefix length in "::1/129"; expected 0...128 after the "/""#),
            (#"["10.0.0.1", 5]"#, #"expected an address string like "10.0.0.100/24", got integer 5"#),
        ]
        for (addresses, message) in cases {
            XCTAssertEqual(
                problems(addresses: addresses), ["t.toml:5: vrrp.virtual_addresses: \(message)"], addresses)
        }
        let many = "[" + (1...256).map { "\"10.0.\($0 / 256).\($0 % 256)\"" }.joined(separator: ", ") + "]"
        XCTAssertEqual(
            problems(addresses: many),
            ["t.toml:5: vrrp.virtual_addresses: 256 virtual addresses; one advert carries at most 255"])
    }

    func testUnicastSourceAndPeers() {
        XCTAssertEqual(
            problems(adding: #"unicast_source = "2001:db8::1""#),
            ["t.toml:6: vrrp.unicast_source: 2001:db8::1 is IPv6 but the virtual addresses are IPv4"])
        XCTAssertEqual(
            problems(adding: "unicast_source = \"10.0.0.1\"\nunicast_peers = [\"10.0.0.1\", \"fe80::2\"]"),
            [
                "t.toml:7: vrrp.unicast_peers: peer 10.0.0.1 is this node's own unicast_source",
                "t.toml:7: vrrp.unicast_peers: peer fe80::2 is IPv6 but the virtual addresses are IPv4",
            ])
        XCTAssertEqual(
            problems(adding: #"unicast_peers = ["10.0.0.2", "10.0.0.2"]"#),
            ["t.toml:6: vrrp.unicast_peers: 10.0.0.2 is listed twice"])
        XCTAssertEqual(
            problems(adding: "unicast_peers = []"),
            ["t.toml:6: vrrp.unicast_peers: expected at least one address, got an empty array"])
        XCTAssertEqual(
            problems(adding: #"unicast_source = "10.0.0.1/24""#),
            [#"t.toml:6: vrrp.unicast_source: "10.0.0.1/24" is not an IPv4 or IPv6 address"#])
    }

    func testAddressLabel() {
        XCTAssertEqual(
            problems(addresses: #"["2001:db8::100/64"]"#, adding: #"virtual_address_label = "eth0:vip""#),
            ["t.toml:6: vrrp.virtual_address_label: labels exist for IPv4 addresses only"])
        XCTAssertEqual(
            problems(adding: #"virtual_address_label = "eth0:abcdefghijk""#),
            [
                #"t.toml:6: vrrp.virtual_address_label: label "eth0:abcdefghijk" is 16 bytes; the kernel takes at "#
                    + "most 15"
            ])
        for label in ["eth1:vip", "eth0:", "vip", "eth0vip"] {
            XCTAssertEqual(
                problems(adding: "virtual_address_label = \"\(label)\""),
                [
                    "t.toml:6: vrrp.virtual_address_label: label \"\(label)\" must be the interface name, \":\" and a "
                        + #"suffix, like "eth0:vip""#
                ], label)
        }
    }

    func testInterfaceNames() {
        let vrrp = minimalVRRP.replacingOccurrences(of: #""eth0""#, with: #""eth0:1""#)
        XCTAssertEqual(
            descriptions(withProxy(vrrp)),
            [
                #"t.toml:3: vrrp.interface: invalid interface name "eth0:1"; use 1...15 bytes without "/", ":" "#
                    + "or spaces"
            ])
        XCTAssertEqual(
            problems(adding: #"track_interface = ["eth1", "eth1"]"#),
            ["t.toml:6: vrrp.track_interface: eth1 is listed twice"])
        XCTAssertEqual(
            problems(adding: #"track_interface = ["a-very-long-name0"]"#),
            [
                #"t.toml:6: vrrp.track_interface: invalid interface name "a-very-long-name0"; use 1...15 bytes "#
                    + #"without "/", ":" or spaces"#
            ])
        XCTAssertEqual(
            problems(adding: #"track_interface = "eth1""#),
            [#"t.toml:6: vrrp.track_interface: expected an array of interface names, got string "eth1""#])
    }

    // MARK: - Single values

    func testOutOfRangeValues() {
        let cases: [(String, String)] = [
            ("priority = 0", "vrrp.priority: expected an integer in 1...255, got 0"),
            ("priority = 256", "vrrp.priority: expected an integer in 1...255, got 256"),
            (#"preempt_delay = "1001s""#, #"vrrp.preempt_delay: expected a duration of at most 1000s, got "1001s""#),
            (#"preempt_delay = "17m""#, #"vrrp.preempt_delay: expected a duration of at most 1000s, got "17m""#),
            ("garp_master_repeat = 0", "vrrp.garp_master_repeat: expected an integer in 1...100, got 0"),
            ("track_backends = 1", "vrrp.track_backends: expected an integer in -253...-1, got 1"),
            ("track_backends = -254", "vrrp.track_backends: expected an integer in -253...-1, got -254"),
            (#"notify_timeout = "0s""#, #"vrrp.notify_timeout: invalid duration "0s"; "#
                + #"use a positive whole number followed by us, ms, s, m, h or d, like "250ms" or "5s""#),
            (
                #"authentication = "123456789""#,
                "vrrp.authentication: the password is 9 bytes; VRRPv2 carries 1...8"
            ),
            (#"authentication = """#, "vrrp.authentication: the password is 0 bytes; VRRPv2 carries 1...8"),
        ]
        for (line, expected) in cases {
            XCTAssertEqual(problems(adding: line + "\nversion = 2"), ["t.toml:6: \(expected)"], line)
        }
        let virtualRouterID = minimalVRRP.replacingOccurrences(of: "= 51", with: "= 0")
        XCTAssertEqual(
            descriptions(withProxy(virtualRouterID)),
            ["t.toml:4: vrrp.virtual_router_id: expected an integer in 1...255, got 0"])
    }

    /// keepalived never changes the priority of the address owner, and refuses weighted tracking at 255.
    func testAnOwnerTakesNoWeightedTracking() {
        let owner = "a priority 255 instance owns its addresses and tracking never changes its priority; "
            + "remove the weight, or lower the priority"
        XCTAssertEqual(
            problems(adding: """
                priority = 255
                track_backends = -10
                track_proxy = -20
                [[vrrp.track_script]]
                name = "chk"
                script = "/bin/true"
                weight = -5
                [[vrrp.track_script]]
                name = "chk_up"
                script = "/bin/true"
                weight = 0
                """),
            [
                "t.toml:7: vrrp.track_backends: \(owner)",
                "t.toml:8: vrrp.track_proxy: \(owner)",
                "t.toml:12: vrrp.track_script.weight: \(owner)",
            ])
        let faultOnly = minimalVRRP + "\npriority = 255\ntrack_proxy = \"fault\"\n[[vrrp.track_script]]\n"
            + "name = \"chk\"\nscript = \"/bin/true\""
        XCTAssertNoThrow(
            try ConfigLoader.load(text: withProxy(faultOnly), path: "t.toml"),
            "FAULT is not a weight: the owner still resigns when its proxy or a script fails")
    }

    /// keepalived takes weights in -253...253, so that no weight turns a priority 1...254 router into the owner.
    func testWeightsStayWithin253() {
        XCTAssertEqual(
            problems(adding: "[[vrrp.track_script]]\nname = \"chk\"\nscript = \"/bin/true\"\nweight = 254"),
            ["t.toml:9: vrrp.track_script.weight: expected an integer in -253...253, got 254"])
        XCTAssertEqual(
            problems(adding: "track_proxy = -254"),
            [#"t.toml:6: vrrp.track_proxy: expected "fault", "off" or a weight in -253...-1, got -254"#])
    }

    func testTrackProxy() {
        let expected = #"expected "fault", "off" or a weight in -253...-1, got "#
        for (value, got) in [(#""yes""#, #""yes""#), ("0", "0"), ("-254", "-254"), ("true", "boolean true")] {
            XCTAssertEqual(
                problems(adding: "track_proxy = \(value)"), ["t.toml:6: vrrp.track_proxy: \(expected)\(got)"], value)
        }
    }

    func testNotifyCommandsStartWithAnAbsolutePath() {
        for key in ["notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"] {
            XCTAssertEqual(
                problems(adding: "\(key) = \"notify.sh master\""),
                [
                    "t.toml:6: vrrp.\(key): expected a command line starting with an absolute path, "
                        + #"got "notify.sh master""#
                ])
        }
        XCTAssertEqual(
            problems(adding: "notify = 5"), ["t.toml:6: vrrp.notify: expected a command line string, got integer 5"])
    }

    // MARK: - Structure

    func testMissingRequiredKeysPointAtTheHeader() {
        XCTAssertEqual(
            descriptions(withProxy("[[vrrp]]\nname = \"vi_1\"")),
            [
                #"t.toml:1: vrrp.interface: missing required key "interface""#,
                #"t.toml:1: vrrp.virtual_router_id: missing required key "virtual_router_id""#,
                #"t.toml:1: vrrp.virtual_addresses: missing required key "virtual_addresses""#,
            ])
    }

    func testTablesGivenAsSingleTables() {
        XCTAssertEqual(
            descriptions(withProxy("[vrrp]\nname = \"vi_1\"")),
            ["t.toml:1: vrrp: expected an array of tables [[vrrp]], got a table"])
        XCTAssertEqual(
            problems(adding: "[vrrp.track_script]\nname = \"chk\""),
            ["t.toml:6: vrrp.track_script: expected an array of tables [[vrrp.track_script]], got a table"])
    }

    func testUnknownKeySuggestsClosestKey() {
        XCTAssertEqual(
            problems(adding: "prempt = false"),
            [#"t.toml:6: vrrp.prempt: unknown key "prempt"; did you mean "preempt"?"#])
    }

    /// Track scripts of the second instance, so each problem proves the script is found under its own `[[vrrp]]`.
    func testTrackScriptProblemsPointIntoTheirInstance() {
        let text = withProxy(minimalVRRP + """

            [[vrrp.track_script]]
            name = "chk"
            script = "/bin/true"

            [[vrrp]]
            name = "vi_2"
            interface = "eth0"
            virtual_router_id = 52
            virtual_addresses = ["10.0.0.101/24"]
            [[vrrp.track_script]]
            name = "chk"
            script = "/bin/true"
            [[vrrp.track_script]]
            name = "chk"
            script = "check.sh"
            weight = 255
            intervall = "1s"
            [[vrrp.track_script]]
            name = "other"
            fall = 0
            timeout = 5
            """)
        XCTAssertEqual(descriptions(text), [
            #"t.toml:19: vrrp.track_script.name: duplicate track script name "chk" in this instance; first defined "#
                + "on line 16",
            #"t.toml:20: vrrp.track_script.script: expected a command line starting with an absolute path, got "#
                + #""check.sh""#,
            "t.toml:21: vrrp.track_script.weight: expected an integer in -253...253, got 255",
            #"t.toml:22: vrrp.track_script.intervall: unknown key "intervall"; did you mean "interval"?"#,
            #"t.toml:23: vrrp.track_script.script: missing required key "script""#,
            "t.toml:25: vrrp.track_script.fall: expected an integer in 1...100, got 0",
            #"t.toml:26: vrrp.track_script.timeout: expected a duration string like "5s", got integer 5"#,
        ])
    }

    // MARK: - [global] script_user

    func testScriptUser() throws {
        for name in ["pgfloat", "_scripts", "svc-check.1", "machine$"] {
            let config = try ConfigLoader.load(text: withProxy("[global]\nscript_user = \"\(name)\""), path: "t.toml")
            XCTAssertEqual(config.global.scriptUser, name)
        }
        let rule = #"start with a letter or "_", then use letters, digits, "_", "." and "-", at most 32 bytes"#
        for name in ["", "1user", "-x", "a b", "root:root", String(repeating: "u", count: 33)] {
            XCTAssertEqual(
                descriptions(withProxy("[global]\nscript_user = \"\(name)\"")),
                ["t.toml:2: global.script_user: invalid user name \"\(name)\"; \(rule)"], name)
        }
    }

    // MARK: - All at once

    func testEveryProblemIsReportedSortedByLine() {
        let text = withProxy("""
            [[vrrp]]
            name = "vi_1"
            interface = "eth0"
            virtual_router_id = 51
            virtual_addresses = ["2001:db8::100/64"]
            version = 2
            advert_interval = "1500ms"
            virtual_address_label = "eth0:vip"

            [[vrrp]]
            name = "vi_1"
            interface = "eth0"
            virtual_router_id = 51
            virtual_addresses = ["2001:db8::200/64"]
            authentication = "secret"
            track_proxy = "maybe"

            [global]
            script_user = "0"
            """)
        XCTAssertEqual(descriptions(text), [
            "t.toml:5: vrrp.virtual_addresses: VRRPv2 is IPv4 only; use version = 3 for IPv6 addresses",
            #"t.toml:7: vrrp.advert_interval: VRRPv2 sends whole seconds from 1s to 255s, got "1500ms""#,
            "t.toml:8: vrrp.virtual_address_label: labels exist for IPv4 addresses only",
            #"t.toml:11: vrrp.name: duplicate vrrp instance name "vi_1"; first defined on line 2"#,
            #"t.toml:13: vrrp.virtual_router_id: virtual router id 51 is already used on "eth0" for IPv6 by "#
                + #"vrrp instance "vi_1" on line 4"#,
            "t.toml:15: vrrp.authentication: VRRPv3 has no authentication (RFC 5798 9); remove it or set version = 2",
            #"t.toml:16: vrrp.track_proxy: expected "fault", "off" or a weight in -253...-1, got "maybe""#,
            #"t.toml:19: global.script_user: invalid user name "0"; start with a letter or "_", then use letters, "#
                + #"digits, "_", "." and "-", at most 32 bytes"#,
        ])
    }
}
