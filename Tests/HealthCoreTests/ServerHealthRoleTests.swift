import HealthCore
import XCTest

final class ServerHealthRoleTests: XCTestCase {
    func testColdStartFirstPrimaryAnswerCountsAtOnce() {
        var health = ServerHealth(name: "a", rise: 3, fall: 3)
        health.record(.primary(), at: sec(0))
        XCTAssertEqual(health.role, .primary)
        XCTAssertEqual(health.reachability, .up)
        XCTAssertFalse(health.isChanging)
    }

    func testColdStartAppliesToTheVeryFirstResultOnly() {
        var health = ServerHealth(name: "a", rise: 2, fall: 3)
        health.record(.refused, at: sec(0))
        health.record(.primary(), at: sec(1))
        XCTAssertEqual(health.role, .unknown)
        health.record(.primary(), at: sec(2))
        XCTAssertEqual(health.role, .primary)
    }

    func testAPromotedReplicaNeedsRisePrimaryAnswers() {
        var health = ServerHealth(name: "a", rise: 2, fall: 3)
        health.record(.replica(), at: sec(0))
        XCTAssertEqual(health.record(.primary(), at: sec(1)), [])
        XCTAssertEqual(health.role, .replica)
        XCTAssertTrue(health.isChanging)
        let events = health.record(.primary(), at: sec(2))
        XCTAssertEqual(health.role, .primary)
        XCTAssertEqual(events.map(\.change), [.role(from: .replica, to: .primary)])
        XCTAssertFalse(health.isChanging)
        XCTAssertEqual(health.lastChange, sec(2))
    }

    func testRiseOfOnePromotesOnTheFirstPrimaryAnswer() {
        var health = ServerHealth(name: "a", rise: 1, fall: 1)
        health.record(.replica(), at: sec(0))
        health.record(.primary(), at: sec(1))
        XCTAssertEqual(health.role, .primary)
    }

    func testAReplicaAnswerDemotesThePrimaryAtOnce() {
        var health = ServerHealth(name: "a", rise: 3, fall: 3)
        health.record(.primary(), at: sec(0))
        let events = health.record(.replica(), at: sec(1))
        XCTAssertEqual(health.role, .replica)
        XCTAssertEqual(events.map(\.change), [.role(from: .primary, to: .replica)])
    }

    func testAFailedCheckInTheMiddleOfAPrimaryStreakResetsIt() {
        var health = ServerHealth(name: "a", rise: 3, fall: 3)
        health.record(.replica(), at: sec(0))
        health.record(.primary(), at: sec(1))
        health.record(.primary(), at: sec(2))
        health.record(.refused, at: sec(3))
        health.record(.primary(), at: sec(4))
        health.record(.primary(), at: sec(5))
        XCTAssertEqual(health.role, .replica)
        health.record(.primary(), at: sec(6))
        XCTAssertEqual(health.role, .primary)
    }

    func testAnAnswerWithoutARoleSetsUnknownAtOnceAndResetsTheStreak() {
        var health = ServerHealth(name: "a", rise: 2, fall: 3)
        health.record(.primary(), at: sec(0))
        health.record(.answered(), at: sec(1))
        XCTAssertEqual(health.role, .unknown)
        health.record(.primary(), at: sec(2))
        health.record(.answered(), at: sec(3))
        health.record(.primary(), at: sec(4))
        XCTAssertEqual(health.role, .unknown)
        health.record(.primary(), at: sec(5))
        XCTAssertEqual(health.role, .primary)
    }

    func testAnUnreachableServerKeepsItsRoleAndWhatItLastSaid() {
        var health = ServerHealth(name: "a", rise: 2, fall: 1)
        health.record(.primary(timeline: 4, wal: 900, agent: .weightPercent(50)), at: sec(0))
        health.record(.refused, at: sec(1))
        XCTAssertEqual(health.reachability, .down)
        XCTAssertEqual(health.role, .primary)
        XCTAssertEqual(health.timeline, 4)
        XCTAssertEqual(health.walPosition, 900)
        XCTAssertEqual(health.agent, .weightPercent(50))
        XCTAssertEqual(health.lastOutcome, .refused)
    }

    func testAnAgentThatSaysDownCanStillChangeTheDirective() {
        var health = ServerHealth(name: "a", rise: 2, fall: 1)
        health.record(.answered(agent: .ready), at: sec(0))
        health.record(CheckOutcome(reachable: false, error: "agent reports down", agent: .drain), at: sec(1))
        XCTAssertEqual(health.agent, .drain)
    }
}
