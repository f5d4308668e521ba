import AdminCore
import XCTest

final class StatusJSONTests: XCTestCase {
    private func decode(_ snapshot: StatsSnapshot) throws -> [String: Any] {
        let text = StatusJSON.render(snapshot)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testRoundTrip() throws {
        let document = try decode(Fixtures.snapshot)
        XCTAssertEqual(Set(document.keys), ["process", "listeners", "servers", "vrrp", "dcs"])
        let process = try XCTUnwrap(document["process"] as? [String: Any])
        XCTAssertEqual(process["node"] as? String, "lb-a")
        XCTAssertEqual(process["pid"] as? Int, 4242)
        XCTAssertEqual(process["split_brain"] as? Bool, false)
        XCTAssertEqual(process["log_lines_dropped"] as? Int, 12)
        XCTAssertEqual(process["direct_tls_sessions"] as? Int, 6)
        XCTAssertEqual(process["relay"] as? String, "sockmap")
        XCTAssertTrue(process["relay_fallback"] is NSNull, "the relay asked for runs: null, not missing")
        XCTAssertEqual(process["kernel_sessions"] as? Int, 2)
        XCTAssertEqual(process["kernel_handoffs"] as? Int, 40)
        XCTAssertEqual(process["kernel_fallbacks"] as? Int, 1)
        XCTAssertEqual(process["kernel_takeovers"] as? Int, 5)
        XCTAssertEqual(process["kernel_redirected_bytes"] as? Int, 9000)
        XCTAssertEqual(process["bad_startups"] as? [String: Int], ["bad-length": 2, "bad-code": 5])
        XCTAssertEqual(process["cancels_forwarded"] as? Int, 7, "the total, as before the breakdown")
        XCTAssertEqual(process["cancels_forwarded_by_target"] as? [String: Int], ["owner": 5, "broadcast": 2])
        XCTAssertEqual(process["cancels_dropped"] as? Int, 1)
        XCTAssertEqual(
            process["cancels_dropped_by_reason"] as? [String: Int], ["rate-limited": 1, "connect-timeout": 0])
        let listeners = try XCTUnwrap(document["listeners"] as? [[String: Any]])
        XCTAssertEqual(listeners.map { $0["name"] as? String }, ["pg_rw", "pg_ro"])
        XCTAssertEqual(listeners[0]["binds"] as? [String], ["0.0.0.0:5432"])
        let servers = try XCTUnwrap(document["servers"] as? [[String: Any]])
        XCTAssertEqual(servers.count, 4)
        XCTAssertEqual(servers[0]["check_duration_ms"] as? Int, 3)
        XCTAssertEqual(servers[1]["lag_bytes"] as? Int, 2_048)
        XCTAssertEqual(servers[1]["replay_delay_ms"] as? Int, 1_500)
        XCTAssertEqual(servers[1]["streaming"] as? Bool, true)
        XCTAssertEqual(servers[1]["diverged"] as? Bool, false)
        XCTAssertTrue(servers[0]["streaming"] is NSNull)
        XCTAssertEqual(servers[2]["admin_state"] as? String, "maint")
        XCTAssertTrue(servers[2]["timeline"] is NSNull, "unknown values are null, not missing")
        let vrrp = try XCTUnwrap(document["vrrp"] as? [[String: Any]])
        XCTAssertEqual(vrrp.first?["virtual_addresses"] as? [String], ["10.0.0.100/24", "10.0.0.101/24"])
        XCTAssertTrue(document["dcs"] is NSNull, "no [dcs] configured")
    }

    func testRelayFallbackCarriesItsReason() throws {
        var snapshot = Fixtures.snapshot
        snapshot.process.relay = "epoll"
        snapshot.process.relayFallbackReason = "sockmap map: Cannot allocate memory"
        let process = try XCTUnwrap(try decode(snapshot)["process"] as? [String: Any])
        XCTAssertEqual(process["relay"] as? String, "epoll")
        XCTAssertEqual(process["relay_fallback"] as? String, "sockmap map: Cannot allocate memory")
    }

    func testStore() throws {
        var snapshot = Fixtures.snapshot
        snapshot.dcs = DCSStats(
            type: "etcd3", state: "lost", revision: 77, leader: "node1", leaderServer: nil, writes: "fenced",
            lostForSeconds: 12.5, onLoss: "fence", staleWatches: 2,
            members: [DCSMemberStats(name: "node1", server: nil, role: "primary", state: "running")])
        let dcs = try XCTUnwrap(try decode(snapshot)["dcs"] as? [String: Any])
        XCTAssertEqual(dcs["revision"] as? Int, 77)
        XCTAssertEqual(dcs["writes"] as? String, "fenced")
        XCTAssertTrue(dcs["leader_server"] is NSNull)
        XCTAssertTrue(dcs["last_event_age_seconds"] is NSNull)
        XCTAssertEqual(dcs["lost_for_seconds"] as? Double, 12.5)
        XCTAssertEqual(dcs["stale_watches"] as? Int, 2)
        XCTAssertEqual((dcs["members"] as? [[String: Any]])?.first?["role"] as? String, "primary")
    }

    func testStringsAreEscaped() throws {
        var snapshot = Fixtures.renamingFirstListener(to: Fixtures.hostileName + "\\\n\u{0}\u{2028}é")
        snapshot.servers[0].checkError = "\"}, \"injected\": {"
        let document = try decode(snapshot)
        let listeners = try XCTUnwrap(document["listeners"] as? [[String: Any]])
        XCTAssertEqual(listeners[0]["name"] as? String, Fixtures.hostileName + "\\\n\u{0}\u{2028}é")
        let servers = try XCTUnwrap(document["servers"] as? [[String: Any]])
        XCTAssertEqual(servers[0]["check_error"] as? String, "\"}, \"injected\": {")
        XCTAssertNil(document["injected"])
    }

    func testLargeCountersSurvive() throws {
        var snapshot = Fixtures.snapshot
        snapshot.servers[0].bytesOut = UInt64.max
        let servers = try XCTUnwrap(try decode(snapshot)["servers"] as? [[String: Any]])
        XCTAssertEqual((servers[0]["bytes_out"] as? NSNumber)?.uint64Value, UInt64.max)
    }

    func testKeysAreSortedSoOutputIsStable() {
        let text = StatusJSON.render(Fixtures.snapshot)
        XCTAssertTrue(
            text.hasPrefix("{\"dcs\":null,\"listeners\":[{\"balance\":\"first\",\"binds\":[\"0.0.0.0:5432\"],"), text)
        XCTAssertEqual(text, StatusJSON.render(Fixtures.snapshot))
    }
}
