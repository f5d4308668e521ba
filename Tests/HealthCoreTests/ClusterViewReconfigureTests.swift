import ConfigModel
import HealthCore
import XCTest

final class ClusterViewReconfigureTests: XCTestCase {
    private var view = ClusterView(servers: [server("a"), server("b"), server("c")], check: testCheck)

    override func setUp() {
        view.record(.replica(), for: ["a", "b", "c"], at: sec(0))
    }

    func testUnchangedServersKeepTheirStateAndNewOnesStartUnknown() {
        view.reconfigure(servers: [server("new"), server("b", weight: 7), server("a")], check: testCheck)
        XCTAssertEqual(view.servers.map(\.name), ["new", "b", "a"])
        XCTAssertEqual(view.health(of: "a")?.reachability, .up)
        XCTAssertEqual(view.health(of: "a")?.role, .replica)
        XCTAssertEqual(view.health(of: "new")?.reachability, .unknown)
        XCTAssertNil(view.health(of: "c"))
        let table = view.routing(for: [listener("r", .replica, ["a", "b"])], at: sec(1))
        XCTAssertEqual(table.weight(of: "b", in: "r"), 7, "a new weight applies without resetting health")
    }

    func testAChangedAddressResetsTheServer() {
        view.reconfigure(servers: [server("a", port: 6432), server("b"), server("c")], check: testCheck)
        XCTAssertEqual(view.health(of: "a")?.reachability, .unknown)
        XCTAssertNil(view.health(of: "a")?.lastOutcome)
        XCTAssertEqual(view.health(of: "b")?.reachability, .up)
    }

    func testChangedCheckSettingsResetEveryServerTheyApplyTo() {
        var slower = testCheck
        slower.rise = 5
        view.reconfigure(servers: [server("a"), server("b"), server("c")], check: slower)
        XCTAssertEqual(view.servers.map(\.reachability), [.unknown, .unknown, .unknown])
    }

    func testAServerOwnCheckOverrideResetsOnlyIt() {
        var agentChecked = server("b")
        agentChecked.checkType = .agent
        view.reconfigure(servers: [server("a"), agentChecked, server("c")], check: testCheck)
        XCTAssertEqual(view.servers.map(\.reachability), [.up, .unknown, .up])
    }

    func testANewIntervalTakesEffect() {
        var faster = testCheck
        faster.interval = .seconds(1)
        view.reconfigure(servers: [server("a")], check: faster)
        XCTAssertEqual(view.nextCheckDelay(for: "a", starved: false, at: sec(5)), .seconds(1))
    }
}
