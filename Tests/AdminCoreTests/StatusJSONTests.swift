import AdminCore
import XCTest

final class StatusJSONTests: XCTestCase {
    private func decode(_ snapshot: StatsSnapshot) throws -> [String: Any] {
        let text = StatusJSON.render(snapshot)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func testRoundTrip() throws {
        let document = try decode(Fixtures.snapshot)
        XCTAssertEqual(Set(document.keys), ["process", "listeners", "servers", "vrrp"])
        let process = try XCTUnwrap(document["process"] as? [String: Any])
        XCTAssertEqual(process["node"] as? String, "lb-a")
        XCTAssertEqual(process["pid"] as? Int, 4242)
        XCTAssertEqual(process["split_brain"] as? Bool, false)
        XCTAssertEqual(process["bad_startups"] as? [String: Int], ["bad-length": 2, "bad-code": 5])
        let listeners = try XCTUnwrap(document["listeners"] as? [[String: Any]])
        XCTAssertEqual(listeners.map { $0["name"] as? String }, ["pg_rw", "pg_ro"])
        XCTAssertEqual(listeners[0]["binds"] as? [String], ["0.0.0.0:5432"])
        let servers = try XCTUnwrap(document["servers"] as? [[String: Any]])
        XCTAssertEqual(servers.count, 4)
        XCTAssertEqual(servers[0]["check_duration_ms"] as? Int, 3)
        XCTAssertEqual(servers[1]["lag_bytes"] as? Int, 2_048)
        XCTAssertEqual(servers[2]["admin_state"] as? String, "maint")
        XCTAssertTrue(servers[2]["timeline"] is NSNull, "unknown values are null, not missing")
        let vrrp = try XCTUnwrap(document["vrrp"] as? [[String: Any]])
        XCTAssertEqual(vrrp.first?["virtual_addresses"] as? [String], ["10.0.0.100/24", "10.0.0.101/24"])
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
        XCTAssertTrue(text.hasPrefix("{\"listeners\":[{\"balance\":\"first\",\"binds\":[\"0.0.0.0:5432\"],"), text)
        XCTAssertEqual(text, StatusJSON.render(Fixtures.snapshot))
    }
}
