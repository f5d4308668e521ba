import HealthCore
import XCTest

final class HealthEventTests: XCTestCase {
    func testTheFirstCheckExplainsEverythingItLearnt() {
        var health = ServerHealth(name: "pg1", rise: 2, fall: 3)
        var outcome = CheckOutcome.primary(timeline: 3, agent: .ready)
        outcome.duration = .milliseconds(12)
        let events = health.record(outcome, at: sec(0))
        XCTAssertEqual(
            events,
            [
                HealthEvent(
                    server: "pg1", change: .reachability(from: .unknown, to: .up), why: "first check passed",
                    checkDuration: .milliseconds(12)),
                HealthEvent(
                    server: "pg1", change: .role(from: .unknown, to: .primary),
                    why: "answered primary on its first check", checkDuration: .milliseconds(12)),
                HealthEvent(
                    server: "pg1", change: .agent(from: nil, to: .ready), why: "agent says ready",
                    checkDuration: .milliseconds(12)),
                HealthEvent(
                    server: "pg1", change: .timeline(from: nil, to: 3), why: "answered timeline 3",
                    checkDuration: .milliseconds(12)),
            ])
    }

    func testReachabilityReasons() {
        var health = ServerHealth(name: "pg1", rise: 2, fall: 3)
        XCTAssertEqual(
            health.record(.refused, at: sec(0)).map(\.why), ["first check failed: connection refused"])
        health.record(.replica(), at: sec(1))
        XCTAssertEqual(health.record(.replica(), at: sec(2)).map(\.why), ["2 passed checks in a row"])
        health.record(.failed("timeout"), at: sec(3))
        health.record(.failed("timeout"), at: sec(4))
        XCTAssertEqual(health.record(.failed("timeout"), at: sec(5)).map(\.why), ["3 failed checks: timeout"])
    }

    func testAFallOfOneReadsInTheSingular() {
        var health = ServerHealth(name: "pg1", rise: 1, fall: 1)
        health.record(.replica(), at: sec(0))
        let why = health.record(CheckOutcome(reachable: false), at: sec(1)).map(\.why)
        XCTAssertEqual(why, ["1 failed check: no reason given"])
    }

    func testRoleReasons() {
        var health = ServerHealth(name: "pg1", rise: 2, fall: 3)
        health.record(.primary(), at: sec(0))
        XCTAssertEqual(health.record(.replica(), at: sec(1)).map(\.why), ["answered replica"])
        health.record(.primary(), at: sec(2))
        XCTAssertEqual(health.record(.primary(), at: sec(3)).map(\.why), ["2/2 primary answers"])
        let noRole = health.record(CheckOutcome(reachable: true, timeline: 1), at: sec(4))
        XCTAssertEqual(noRole.map(\.change), [.role(from: .primary, to: .unknown)])
        XCTAssertEqual(noRole.map(\.why), ["answered without a role"])
    }

    func testAgentAndTimelineReasons() {
        var health = ServerHealth(name: "pg1", rise: 2, fall: 3)
        health.record(.replica(timeline: 1), at: sec(0))
        XCTAssertEqual(
            health.record(.replica(timeline: 1, agent: .drain), at: sec(1)).map(\.why), ["agent says drain"])
        XCTAssertEqual(
            health.record(.replica(timeline: 1, agent: .maintenance), at: sec(2)).map(\.why), ["agent says maint"])
        XCTAssertEqual(
            health.record(.replica(timeline: 1, agent: .weightPercent(75)), at: sec(3)).map(\.why),
            ["agent asks for 75% weight"])
        XCTAssertEqual(health.record(.replica(timeline: 1), at: sec(4)).map(\.why), ["agent asks for nothing"])
        let timeline = health.record(.replica(timeline: 2), at: sec(5))
        XCTAssertEqual(timeline.map(\.change), [.timeline(from: 1, to: 2)])
        XCTAssertEqual(timeline.map(\.why), ["answered timeline 2"])
        XCTAssertEqual(health.record(.replica(timeline: nil), at: sec(6)).map(\.why), ["answered no timeline"])
    }

    func testASteadyServerReportsNothing() {
        var health = ServerHealth(name: "pg1", rise: 2, fall: 3)
        health.record(.replica(wal: 1), at: sec(0))
        XCTAssertEqual(health.record(.replica(wal: 2), at: sec(1)), [])
    }
}
