import ConfigModel
import XCTest

/// `[dcs]`: Patroni's store, read like the etcd3 section of a patroni.yml.
final class ConfigLoaderDCSTests: XCTestCase {
    private func file(_ dcs: String) -> String {
        minimalServer + "\n" + minimalListener + "\n[dcs]\n" + dcs
    }

    func testDefaultsAndEndpoints() throws {
        let config = try ConfigLoader.load(
            text: file(#"""
                endpoints = ["https://10.0.0.5:2379", "https://[fd00::6]:2379/"]
                scope = "pg-cluster"
                namespace = "/service/"
                ca_file = "/etc/pgfloat/etcd-ca.pem"
                on_dcs_loss = "fence"
                """#), path: "t.toml")
        let dcs = try XCTUnwrap(config.dcs)
        XCTAssertEqual(dcs.type, .etcd3)
        XCTAssertEqual(dcs.endpoints.map(\.description), ["https://10.0.0.5:2379", "https://[fd00::6]:2379"])
        XCTAssertEqual(dcs.namespace, "/service")
        XCTAssertEqual(dcs.scope, "pg-cluster")
        XCTAssertEqual(dcs.onLoss, .fence)
        XCTAssertEqual(dcs.lossGrace, .seconds(10))
        XCTAssertEqual(dcs.confirmInterval, .milliseconds(10))
        XCTAssertEqual(dcs.confirmWindow, .seconds(1))
        XCTAssertEqual(dcs.line, 7)
        XCTAssertTrue(dcs.usesTLS)
    }

    func testNoTableNoStore() throws {
        XCTAssertNil(try ConfigLoader.load(text: minimalServer + "\n" + minimalListener, path: "t.toml").dcs)
    }

    func testRequiredKeysAreNamedWithTheHeaderLine() {
        XCTAssertEqual(
            descriptions(file("")),
            [#"t.toml:7: dcs.endpoints: missing required key "endpoints""#,
             #"t.toml:7: dcs.scope: missing required key "scope""#])
    }

    func testBadValuesPointAtTheirLine() {
        let found = descriptions(
            file(#"""
                endpoints = ["ftp://10.0.0.5:2379"]
                scope = "a/b"
                type = "consul"
                on_dcs_loss = "panic"
                namespace = "service"
                """#))
        XCTAssertEqual(found.count, 5, "\(found)")
        XCTAssertTrue(found[0].hasPrefix("t.toml:8: dcs.endpoints: endpoint"), found[0])
        XCTAssertTrue(found[1].hasPrefix("t.toml:9: dcs.scope:"), found[1])
        XCTAssertTrue(found[2].hasPrefix(#"t.toml:10: dcs.type: unknown dcs type "consul""#), found[2])
        XCTAssertTrue(found[3].hasPrefix(#"t.toml:11: dcs.on_dcs_loss: unknown on_dcs_loss policy "panic""#), found[3])
        XCTAssertTrue(found[4].hasPrefix("t.toml:12: dcs.namespace:"), found[4])
    }

    func testKeysThatGoTogether() {
        let found = descriptions(
            file(#"""
                endpoints = ["http://10.0.0.5:2379", "https://10.0.0.6:2379"]
                scope = "pg"
                ca_file = "/ca.pem"
                cert_file = "/cert.pem"
                username = "pgfloat"
                """#))
        XCTAssertEqual(
            found,
            [#"t.toml:8: dcs.endpoints: mixes http:// and https:// endpoints; use one scheme for all"#,
             #"t.toml:10: dcs.ca_file: ca_file is used over TLS only; write the endpoints as https://host:port"#,
             #"t.toml:11: dcs.cert_file: cert_file is used over TLS only; write the endpoints as https://host:port"#,
             #"t.toml:11: dcs.cert_file: cert_file and key_file go together"#,
             #"t.toml:12: dcs.username: username and password_file go together"#])
    }

    func testTheConfirmIntervalAndWindowAreRead() throws {
        let keys = "endpoints = \"10.0.0.5:2379\"\nscope = \"pg\"\nconfirm_interval = \"20ms\"\nconfirm_window = \"2s\""
        let config = try ConfigLoader.load(text: file(keys), path: "t.toml")
        XCTAssertEqual(config.dcs?.confirmInterval, .milliseconds(20))
        XCTAssertEqual(config.dcs?.confirmWindow, .seconds(2))
        let off = try ConfigLoader.load(
            text: file("endpoints = \"10.0.0.5:2379\"\nscope = \"pg\"\nconfirm_window = \"0s\""), path: "t.toml")
        XCTAssertEqual(off.dcs?.confirmWindow, .zero, "0 turns the fast polling off")
        let found = descriptions(file("endpoints = \"10.0.0.5:2379\"\nscope = \"pg\"\nconfirm_window = \"soon\""))
        XCTAssertEqual(found.count, 1, "\(found)")
        XCTAssertTrue(found[0].hasPrefix("t.toml:10: dcs.confirm_window:"), found[0])
    }

    func testAMisspeltKeyGetsASuggestion() {
        let found = descriptions(file("endpoints = \"10.0.0.5:2379\"\nscope = \"pg\"\non_dcs_los = \"keep\""))
        XCTAssertEqual(found, [#"t.toml:10: dcs.on_dcs_los: unknown key "on_dcs_los"; did you mean "on_dcs_loss"?"#])
    }
}
