import ConfigModel
import XCTest

/// `garp_lower_prio_*`, `higher_prio_send_advert` and `track_proxy_*`: values, defaults and the problems of each.
final class ConfigLoaderVRRPTrackingKeysTests: XCTestCase {
    private func load(_ lines: String) throws -> VRRPConfig {
        let config = try ConfigLoader.load(text: withProxy(minimalVRRP + "\n" + lines), path: "t.toml")
        return try XCTUnwrap(config.vrrp.first)
    }

    func testDefaultsFollowKeepalivedAndTheFormerFixedHeartbeatLimit() throws {
        let vrrp = try load("")
        XCTAssertEqual(vrrp.garpLowerPriorityRepeat, 5)
        XCTAssertEqual(vrrp.garpLowerPriorityDelay, .seconds(5))
        XCTAssertTrue(vrrp.higherPriorityAdvert)
        XCTAssertEqual(vrrp.trackProxySilence, .milliseconds(700))
        XCTAssertEqual(vrrp.trackProxyFall, 1)
        XCTAssertEqual(vrrp.trackProxyRise, 5)
    }

    func testEveryKeyIsRead() throws {
        let vrrp = try load("""
            garp_lower_prio_repeat = 0
            garp_lower_prio_delay = "0s"
            higher_prio_send_advert = true
            track_proxy_silence = "2s"
            track_proxy_fall = 3
            track_proxy_rise = 100
            """)
        XCTAssertEqual(vrrp.garpLowerPriorityRepeat, 0)
        XCTAssertEqual(vrrp.garpLowerPriorityDelay, .zero)
        XCTAssertTrue(vrrp.higherPriorityAdvert)
        XCTAssertEqual(vrrp.trackProxySilence, .seconds(2))
        XCTAssertEqual(vrrp.trackProxyFall, 3)
        XCTAssertEqual(vrrp.trackProxyRise, 100)
    }

    func testOutOfRangeValues() {
        let cases: [(String, String)] = [
            ("garp_lower_prio_repeat = 101", "vrrp.garp_lower_prio_repeat: expected an integer in 0...100, got 101"),
            ("garp_lower_prio_repeat = -1", "vrrp.garp_lower_prio_repeat: expected an integer in 0...100, got -1"),
            ("track_proxy_fall = 0", "vrrp.track_proxy_fall: expected an integer in 1...100, got 0"),
            ("track_proxy_rise = 101", "vrrp.track_proxy_rise: expected an integer in 1...100, got 101"),
            (
                #"track_proxy_silence = "300ms""#,
                #"vrrp.track_proxy_silence: expected a duration of at least 400ms, got "300ms"; "#
                    + "the heartbeat is sent every 200ms"
            ),
        ]
        for (line, expected) in cases {
            XCTAssertEqual(descriptions(withProxy(minimalVRRP + "\n" + line)), ["t.toml:6: \(expected)"], line)
        }
    }
}
