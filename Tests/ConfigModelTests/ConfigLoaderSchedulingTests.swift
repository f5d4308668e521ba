import ConfigModel
import XCTest

/// `[global] vrrp_rt_priority` and `lock_memory`: keepalived's `vrrp_rt_priority` and `vrrp_no_swap`.
final class ConfigLoaderSchedulingTests: XCTestCase {
    func testOffByDefault() throws {
        let config = try ConfigLoader.load(text: withProxy(""), path: "t.toml")
        XCTAssertNil(config.global.vrrpRTPriority)
        XCTAssertFalse(config.global.lockMemory)
    }

    func testLoad() throws {
        let config = try ConfigLoader.load(
            text: withProxy("[global]\nvrrp_rt_priority = 10\nlock_memory = true"), path: "t.toml")
        XCTAssertEqual(config.global.vrrpRTPriority, 10)
        XCTAssertTrue(config.global.lockMemory)
    }

    func testPriorityIsOneToNinetyNine() {
        for value in ["0", "100"] {
            XCTAssertEqual(
                descriptions(withProxy("[global]\nvrrp_rt_priority = \(value)")),
                ["t.toml:2: global.vrrp_rt_priority: expected an integer in 1...99, got \(value)"], value)
        }
    }
}

/// `[global] relay`: the kernel's relay where it loads, by default.
final class ConfigLoaderRelayTests: XCTestCase {
    func testAutoByDefault() throws {
        let global = try ConfigLoader.load(text: withProxy(""), path: "t.toml").global
        XCTAssertEqual(global.relay, .auto)
        XCTAssertEqual(global.relayHandoffAge, .milliseconds(100))
    }

    func testHandoffAge() throws {
        let text = withProxy("[global]\nrelay = \"sockmap\"\nrelay_handoff_age = \"2s\"")
        XCTAssertEqual(try ConfigLoader.load(text: text, path: "t.toml").global.relayHandoffAge, .seconds(2))
    }

    func testEveryMode() throws {
        for mode in RelayMode.allCases {
            let text = withProxy("[global]\nrelay = \"\(mode.rawValue)\"")
            XCTAssertEqual(try ConfigLoader.load(text: text, path: "t.toml").global.relay, mode)
        }
    }

    func testUnknownModeNamesLineAndChoices() {
        XCTAssertEqual(
            descriptions(withProxy("[global]\nrelay = \"splice\"")),
            ["t.toml:2: global.relay: unknown relay \"splice\"; expected one of \"epoll\", \"sockmap\", \"auto\""])
    }
}
