import ConfigModel
import HealthCore
import XCTest

final class CheckScheduleTests: XCTestCase {
    private var view = ClusterView(servers: [server("a")], check: testCheck)

    func testASteadyServerIsCheckedAtTheInterval() {
        view.record(server: "a", outcome: .replica(), at: sec(0))
        XCTAssertEqual(view.nextCheckDelay(for: "a", starved: false, at: sec(5)), .seconds(3))
    }

    func testAnUncheckedOrUnknownServerIsCheckedAtTheInterval() {
        XCTAssertEqual(view.nextCheckDelay(for: "a", starved: false, at: sec(5)), .seconds(3))
        XCTAssertEqual(view.nextCheckDelay(for: "ghost", starved: false, at: sec(5)), .seconds(3))
    }

    func testAChangingServerIsCheckedFast() {
        view.record(server: "a", outcome: .replica(), at: sec(0))
        view.record(server: "a", outcome: .refused, at: sec(1))
        XCTAssertEqual(view.nextCheckDelay(for: "a", starved: false, at: sec(5)), .milliseconds(500))
    }

    func testAPrimaryStreakIsCheckedFast() {
        view.record(server: "a", outcome: .replica(), at: sec(0))
        view.record(server: "a", outcome: .primary(), at: sec(1))
        XCTAssertEqual(view.nextCheckDelay(for: "a", starved: false, at: sec(5)), .milliseconds(500))
    }

    func testADownServerIsCheckedAtTheDownInterval() {
        view.record(server: "a", outcome: .refused, at: sec(0))
        XCTAssertEqual(view.nextCheckDelay(for: "a", starved: false, at: sec(5)), .seconds(10))
        var plain = CheckSettings(interval: .seconds(4))
        plain.downInterval = nil
        var other = ClusterView(servers: [server("a")], check: plain)
        other.record(server: "a", outcome: .refused, at: sec(0))
        XCTAssertEqual(other.nextCheckDelay(for: "a", starved: false, at: sec(5)), .seconds(4))
    }

    func testAStarvedListenerChecksItsServersFast() {
        view.record(server: "a", outcome: .refused, at: sec(0))
        XCTAssertEqual(view.nextCheckDelay(for: "a", starved: true, at: sec(5)), .milliseconds(500))
        view.record(.replica(), for: ["a", "a"], at: sec(1))
        XCTAssertEqual(view.nextCheckDelay(for: "a", starved: true, at: sec(5)), .milliseconds(500))
    }
}
