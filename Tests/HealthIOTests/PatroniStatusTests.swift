import Foundation
import HealthCore
import NIOCore
import XCTest

@testable import HealthIO

final class PatroniStatusTests: XCTestCase {
    private func outcome(_ json: String) throws -> CheckOutcome {
        try PatroniStatus(json: Data(json.utf8)).outcome
    }

    func testPatroni3Primary() throws {
        XCTAssertEqual(
            try outcome(PatroniFixtures.primary3),
            CheckOutcome(reachable: true, role: .primary, timeline: 3, walPosition: 100_663_296))
    }

    func testPatroni3ReplicaUsesReplayPosition() throws {
        XCTAssertEqual(
            try outcome(PatroniFixtures.replica3),
            CheckOutcome(
                reachable: true, role: .replica, timeline: 3, walPosition: 100_662_784,
                receivedPosition: 100_663_296, streaming: true))
    }

    func testPatroni4Primary() throws {
        XCTAssertEqual(
            try outcome(PatroniFixtures.primary4),
            CheckOutcome(reachable: true, role: .primary, timeline: 7, walPosition: 4_328_521_728))
    }

    func testStandbyLeaderIsAReplica() throws {
        XCTAssertEqual(
            try outcome(PatroniFixtures.standbyLeader),
            CheckOutcome(
                reachable: true, role: .replica, timeline: 1, walPosition: 50_331_648, receivedPosition: 50_331_648,
                streaming: true))
    }

    func testNotRunningIsUnreachable() throws {
        XCTAssertEqual(try outcome(PatroniFixtures.stopped), .failed("patroni state is stopped"))
        XCTAssertEqual(try outcome(#"{"role": "master"}"#), .failed("patroni state is missing"))
    }

    func testMissingTimeline() throws {
        XCTAssertEqual(
            try outcome(PatroniFixtures.replicaWithoutTimeline),
            CheckOutcome(
                reachable: true, role: .replica, walPosition: 83_886_080, receivedPosition: 83_886_080,
                streaming: false),
            "a replica in archive recovery does not stream")
    }

    func testRoles() {
        let roles: [String: ServerRole] = [
            "master": .primary, "primary": .primary, "replica": .replica, "sync_standby": .replica,
            "standby": .replica, "standby_leader": .replica, "uninitialized": .unknown, "demoted": .unknown,
        ]
        for (name, role) in roles {
            XCTAssertEqual(PatroniStatus(state: "running", role: name).serverRole, role, name)
        }
    }

    func testReportedLag() throws {
        let numeric = #"{"state": "running", "role": "replica", "lag": 4096}"#
        XCTAssertEqual(try outcome(numeric).reportedLag, 4096)
        let unknown = #"{"state": "running", "role": "replica", "lag": "unknown"}"#
        XCTAssertEqual(try outcome(unknown), CheckOutcome(reachable: true, role: .replica, streaming: false))
    }

    func testHTTPAnswers() {
        XCTAssertEqual(
            PatroniProbe.outcome(status: .serviceUnavailable, body: ByteBuffer(string: PatroniFixtures.primary3)),
            .failed("patroni answered HTTP 503"))
        XCTAssertEqual(
            PatroniProbe.outcome(status: .ok, body: ByteBuffer(string: "<html>proxy error</html>")),
            .failed("patroni answer is not the expected JSON"))
        XCTAssertEqual(
            PatroniProbe.outcome(status: .ok, body: nil), .failed("patroni answer is not the expected JSON"))
        XCTAssertEqual(
            PatroniProbe.outcome(status: .ok, body: ByteBuffer(string: PatroniFixtures.replica3)).role, .replica)
    }
}
