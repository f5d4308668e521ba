import HealthCore
import XCTest

final class ServerHealthReachabilityTests: XCTestCase {
    func testFallFailuresTakeItDown() {
        var health = ServerHealth(name: "a", rise: 2, fall: 3)
        health.record(.replica(), at: sec(0))
        XCTAssertEqual(health.upSince, sec(0))
        health.record(.refused, at: sec(1))
        health.record(.refused, at: sec(2))
        XCTAssertEqual(health.reachability, .up)
        XCTAssertTrue(health.isChanging)
        let events = health.record(.refused, at: sec(3))
        XCTAssertEqual(events.map(\.change), [.reachability(from: .up, to: .down)])
        XCTAssertEqual(health.reachability, .down)
        XCTAssertEqual(health.role, .replica)
        XCTAssertNil(health.upSince)
        XCTAssertEqual(health.lastChange, sec(3))
        XCTAssertFalse(health.isChanging)
    }

    func testRiseSuccessesBringItBack() {
        var health = ServerHealth(name: "a", rise: 2, fall: 1)
        health.record(.refused, at: sec(0))
        XCTAssertEqual(health.reachability, .down)
        health.record(.replica(), at: sec(1))
        XCTAssertTrue(health.isChanging)
        XCTAssertNil(health.upSince)
        health.record(.replica(), at: sec(2))
        XCTAssertEqual(health.reachability, .up)
        XCTAssertEqual(health.upSince, sec(2))
        XCTAssertEqual(health.lastChange, sec(2))
    }

    func testANeverCheckedServerIsUnknownAndNotChanging() {
        let health = ServerHealth(name: "a", rise: 2, fall: 3)
        XCTAssertEqual(health.reachability, .unknown)
        XCTAssertEqual(health.role, .unknown)
        XCTAssertNil(health.lastOutcome)
        XCTAssertNil(health.upSince)
        XCTAssertNil(health.lastChange)
        XCTAssertFalse(health.isChanging)
    }

    func testAReachableAnswerReplacesPositionsAndLag() {
        var health = ServerHealth(name: "a", rise: 2, fall: 3)
        health.record(.replica(wal: 100, lag: 7), at: sec(0))
        health.record(.replica(wal: 200), at: sec(1))
        XCTAssertEqual(health.walPosition, 200)
        XCTAssertNil(health.reportedLag)
    }
}
