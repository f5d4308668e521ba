import HealthCore
import XCTest

final class HealthCounterTests: XCTestCase {
    func testFirstResultDecidesAtOnce() {
        var up = HealthCounter(rise: 2, fall: 3)
        XCTAssertEqual(up.state, .unknown)
        XCTAssertEqual(up.record(success: true), .init(from: .unknown, to: .up))
        var down = HealthCounter(rise: 2, fall: 3)
        XCTAssertEqual(down.record(success: false), .init(from: .unknown, to: .down))
    }

    func testFallConsecutiveFailuresTakeAServerDown() {
        var counter = HealthCounter(rise: 2, fall: 3)
        _ = counter.record(success: true)
        XCTAssertNil(counter.record(success: false))
        XCTAssertNil(counter.record(success: false))
        XCTAssertEqual(counter.progress, "UP, going down 2/3")
        XCTAssertEqual(counter.record(success: false), .init(from: .up, to: .down))
    }

    func testASuccessResetsTheFallCount() {
        var counter = HealthCounter(rise: 2, fall: 3)
        _ = counter.record(success: true)
        for _ in 0..<10 {
            XCTAssertNil(counter.record(success: false))
            XCTAssertNil(counter.record(success: false))
            XCTAssertNil(counter.record(success: true))
        }
        XCTAssertEqual(counter.state, .up)
    }

    func testRiseConsecutiveSuccessesBringItBack() {
        var counter = HealthCounter(rise: 2, fall: 3)
        _ = counter.record(success: false)
        XCTAssertNil(counter.record(success: true))
        XCTAssertEqual(counter.progress, "DOWN, going up 1/2")
        XCTAssertNil(counter.record(success: false))
        XCTAssertNil(counter.record(success: true))
        XCTAssertEqual(counter.record(success: true), .init(from: .down, to: .up))
        XCTAssertEqual(counter.progress, "UP")
    }

    func testAServerThatWentDownNeedsTheFullRise() {
        var counter = HealthCounter(rise: 3, fall: 2)
        _ = counter.record(success: true)
        _ = counter.record(success: false)
        XCTAssertEqual(counter.record(success: false), .init(from: .up, to: .down))
        XCTAssertNil(counter.record(success: true))
        XCTAssertNil(counter.record(success: true))
        XCTAssertEqual(counter.record(success: true), .init(from: .down, to: .up))
    }

    func testIsChangingWhilePartWayToTheOtherState() {
        var counter = HealthCounter(rise: 2, fall: 2)
        XCTAssertFalse(counter.isChanging)
        _ = counter.record(success: true)
        XCTAssertFalse(counter.isChanging)
        _ = counter.record(success: false)
        XCTAssertTrue(counter.isChanging)
        _ = counter.record(success: false)
        XCTAssertFalse(counter.isChanging)
        _ = counter.record(success: true)
        XCTAssertTrue(counter.isChanging)
    }

    func testRiseAndFallOfOne() {
        var counter = HealthCounter(rise: 1, fall: 1)
        _ = counter.record(success: true)
        XCTAssertEqual(counter.record(success: false), .init(from: .up, to: .down))
        XCTAssertEqual(counter.record(success: true), .init(from: .down, to: .up))
    }
}
