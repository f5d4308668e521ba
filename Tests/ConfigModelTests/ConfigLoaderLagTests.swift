import ConfigModel
import XCTest

/// `max_lag` as a size or a duration, `require_streaming`, and what they need of the checks.
final class ConfigLoaderLagTests: XCTestCase {
    private func replicas(_ keys: String, role: String = "replica", check: String = "pgsql") -> String {
        """
        [check]
        type = "\(check)"

        [[server]]
        name = "pg1"
        address = "10.0.0.11:5432"

        [[listener]]
        name = "reads"
        bind = "0.0.0.0:5433"
        role = "\(role)"
        \(keys)
        """
    }

    func testMaxLagTakesASizeOrADuration() throws {
        let sized = try ConfigLoader.load(text: replicas("max_lag = \"16MB\""), path: "t.toml")
        XCTAssertEqual(sized.listeners[0].maxLag, .bytes(16 << 20))
        let counted = try ConfigLoader.load(text: replicas("max_lag = 1048576"), path: "t.toml")
        XCTAssertEqual(counted.listeners[0].maxLag, .bytes(1_048_576))
        let timed = try ConfigLoader.load(text: replicas("max_lag = \"5s\""), path: "t.toml")
        XCTAssertEqual(timed.listeners[0].maxLag, .time(.seconds(5)))
        XCTAssertEqual(
            try ConfigLoader.load(text: replicas("max_lag = \"1500ms\""), path: "t.toml").listeners[0].maxLag,
            .time(.milliseconds(1_500)))
    }

    func testAMaxLagThatIsNeitherIsReportedWithItsLine() {
        XCTAssertEqual(
            descriptions(replicas("max_lag = \"soon\"")),
            [
                "t.toml:12: listener.max_lag: invalid max_lag \"soon\"; use a size (use a whole number of bytes or a "
                    + "number followed by B, kB, MB, GB or TB, like \"16MB\") or a duration (use a positive whole "
                    + "number followed by us, ms, s, m, h or d, like \"250ms\" or \"5s\")"
            ])
        XCTAssertEqual(
            descriptions(replicas("max_lag = -1")),
            ["t.toml:12: listener.max_lag: expected a size of at least 0 bytes, got -1"])
    }

    func testADurationNeedsAPGSQLCheck() {
        XCTAssertEqual(
            descriptions(replicas("max_lag = \"5s\"", check: "patroni")),
            [
                "t.toml:12: listener.max_lag: server \"pg1\" has a patroni check, which cannot measure a replay "
                    + "delay; use a pgsql check or a max_lag in bytes like \"16MB\""
            ])
        XCTAssertNoThrow(try ConfigLoader.load(text: replicas("max_lag = \"16MB\"", check: "patroni"), path: "t"))
    }

    func testRequireStreamingDefaultsToOffAndLoads() throws {
        XCTAssertFalse(try ConfigLoader.load(text: replicas(""), path: "t.toml").listeners[0].requireStreaming)
        let config = try ConfigLoader.load(text: replicas("require_streaming = true"), path: "t.toml")
        XCTAssertTrue(config.listeners[0].requireStreaming)
        let patroni = try ConfigLoader.load(
            text: replicas("require_streaming = true", role: "replica-or-primary", check: "patroni"), path: "t")
        XCTAssertTrue(patroni.listeners[0].requireStreaming)
    }

    func testRequireStreamingIsReportedWhereItCannotApply() {
        XCTAssertEqual(
            descriptions(replicas("require_streaming = true", role: "primary")),
            [
                "t.toml:12: listener.require_streaming: require_streaming applies to roles \"replica\", "
                    + "\"replica-or-primary\", \"sync\" and \"async\"; listener \"reads\" has role \"primary\""
            ])
        XCTAssertEqual(
            descriptions(replicas("require_streaming = true", check: "tcp")),
            [
                "t.toml:11: listener.role: listener \"reads\" has role = \"replica\" but server \"pg1\" has a tcp "
                    + "check, which cannot tell primary from replica; use a pgsql, patroni or external check, or "
                    + "role = \"any\"",
                "t.toml:12: listener.require_streaming: server \"pg1\" has a tcp check, which cannot tell whether "
                    + "a replica streams; use a pgsql or patroni check",
            ])
        XCTAssertEqual(
            descriptions(replicas("require_streaming = \"yes\"")),
            ["t.toml:12: listener.require_streaming: expected true or false, got string \"yes\""])
        XCTAssertNoThrow(
            try ConfigLoader.load(text: replicas("require_streaming = false", role: "any", check: "tcp"), path: "t"))
    }
}
