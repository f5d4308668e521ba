import HealthCore
import XCTest

@testable import AdminCore

/// What Patroni says of each server (tags with `nofailover`/`nosync`, synchronous, standby leader, pause) in
/// `show stat` and `/status.json`.
final class PatroniStatsTests: XCTestCase {
    private var snapshot: StatsSnapshot {
        var snapshot = Fixtures.snapshot
        snapshot.process.patroniPaused = true
        snapshot.servers[0].patroni = PatroniFacts(
            tags: ["nofailover": "true", "datacenter": "east", "nosync": "true"], synchronous: true, paused: true)
        return snapshot
    }

    private func rows(_ snapshot: StatsSnapshot) -> [[String: String]] {
        let lines = StatReport.render(snapshot).split(separator: "\n")
        let header = lines[0].dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(
                zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)),
                uniquingKeysWith: { first, _ in first })
        }
    }

    func testShowStatShowsTagsSyncAndPause() {
        let rows = rows(snapshot)
        let first = snapshot.servers[0]
        let server = rows.first { $0["svname"] == first.name && $0["pxname"] == first.listener }
        XCTAssertEqual(server?["patroni_tags"], "datacenter=east;nofailover=true;nosync=true")
        XCTAssertEqual(server?["sync_standby"], "1")
        XCTAssertEqual(server?["patroni_paused"], "1")
        XCTAssertEqual(rows.filter { $0["svname"] == "BACKEND" }.map { $0["patroni_paused"] }, ["1", "1"])
        let plain = self.rows(Fixtures.snapshot)
        XCTAssertEqual(Set(plain.map { $0["sync_standby"] }), [""], "empty without Patroni")
    }

    func testStatusJSONShowsThePatroniFacts() throws {
        let data = Data(StatusJSON.render(snapshot).utf8)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual((document["process"] as? [String: Any])?["patroni_paused"] as? Bool, true)
        let servers = try XCTUnwrap(document["servers"] as? [[String: Any]])
        let patroni = try XCTUnwrap(servers[0]["patroni"] as? [String: Any])
        XCTAssertEqual(patroni["nofailover"] as? Bool, true)
        XCTAssertEqual(patroni["nosync"] as? Bool, true)
        XCTAssertEqual(patroni["noloadbalance"] as? Bool, false)
        XCTAssertEqual(patroni["sync_standby"] as? Bool, true)
        XCTAssertEqual(patroni["standby_leader"] as? Bool, false)
        XCTAssertEqual(patroni["paused"] as? Bool, true)
        XCTAssertEqual(
            patroni["tags"] as? [String: String], ["nofailover": "true", "datacenter": "east", "nosync": "true"])
        XCTAssertTrue(servers[1]["patroni"] is NSNull)
    }
}
