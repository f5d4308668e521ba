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
            CheckOutcome(
                reachable: true, role: .primary, timeline: 3, walPosition: 100_663_296,
                patroni: PatroniFacts(tags: ["clonefrom": "true"], paused: false)))
    }

    func testPatroni3ReplicaUsesReplayPosition() throws {
        XCTAssertEqual(
            try outcome(PatroniFixtures.replica3),
            CheckOutcome(
                reachable: true, role: .replica, timeline: 3, walPosition: 100_662_784,
                receivedPosition: 100_663_296, streaming: true, patroni: PatroniFacts(paused: false)))
    }

    func testPatroni4Primary() throws {
        XCTAssertEqual(
            try outcome(PatroniFixtures.primary4),
            CheckOutcome(
                reachable: true, role: .primary, timeline: 7, walPosition: 4_328_521_728,
                patroni: PatroniFacts(paused: false)))
    }

    func testStandbyLeaderIsAReplica() throws {
        XCTAssertEqual(
            try outcome(PatroniFixtures.standbyLeader),
            CheckOutcome(
                reachable: true, role: .replica, timeline: 1, walPosition: 50_331_648, receivedPosition: 50_331_648,
                streaming: true, patroni: PatroniFacts(standbyLeader: true, paused: false)))
    }

    func testTagsSyncStandbyAndPauseOfAPatroni4Replica() throws {
        let answer = try outcome(PatroniFixtures.syncStandbyPaused4)
        XCTAssertEqual(answer.role, .replica)
        XCTAssertEqual(
            answer.patroni,
            PatroniFacts(
                tags: ["nofailover": "true", "noloadbalance": "true", "datacenter": "east", "rack": "3"],
                synchronous: true, paused: true))
        XCTAssertEqual(answer.patroni?.noFailover, true)
        XCTAssertEqual(answer.patroni?.noLoadBalance, true)
    }

    func testAQuorumStandbyIsSynchronous() throws {
        let answer = try outcome(PatroniFixtures.quorumStandby4)
        XCTAssertEqual(answer.patroni?.synchronous, true)
        XCTAssertEqual(answer.patroni?.noSync, false)
        XCTAssertEqual(answer.patroni?.tags, ["sync_priority": "2", "owner": "none"])
    }

    func testExtrasOfAnUnexpectedTypeCostOnlyTheExtras() throws {
        let answer = try outcome(
            #"{"state": "running", "role": "replica", "tags": ["a"], "sync_standby": "yes", "pause": 1}"#)
        XCTAssertEqual(answer.role, .replica)
        XCTAssertEqual(answer.patroni, PatroniFacts(paused: false))
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
                streaming: false, patroni: PatroniFacts(paused: false)),
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
        XCTAssertEqual(
            try outcome(unknown),
            CheckOutcome(reachable: true, role: .replica, streaming: false, patroni: PatroniFacts(paused: false)))
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
