import HealthCore
import XCTest

final class AdministrationTests: XCTestCase {
    private var view = ClusterView(servers: [server("p"), server("r1"), server("r2")], check: testCheck)
    private let listeners = [
        listener("w", .primary, ["p"]), listener("r", .replica, ["r1", "r2"]), listener("r2", .replica, ["r2"]),
    ]

    override func setUp() {
        view.record(server: "p", outcome: .primary(), at: sec(0))
        view.record(.replica(), for: ["r1", "r2"], at: sec(0))
    }

    func testDrainAndMaintTakeAServerOutOfOneListenerOnly() {
        view.setAdminState(.drain, of: "r2", in: "r")
        var table = view.routing(for: listeners, at: sec(1))
        XCTAssertEqual(table.names("r"), ["r1"])
        XCTAssertEqual(table.names("r2"), ["r2"], "another listener using r2 is untouched")
        view.setAdminState(.maint, of: "r1", in: "r")
        table = view.routing(for: listeners, at: sec(1))
        XCTAssertEqual(table.names("r"), [])
        view.setAdminState(.ready, of: "r1", in: "r")
        view.setAdminState(.ready, of: "r2", in: "r")
        XCTAssertEqual(view.routing(for: listeners, at: sec(1)).names("r"), ["r1", "r2"])
    }

    func testDrainingThePrimaryDoesNotChangeTheElection() {
        view.setAdminState(.drain, of: "p", in: "w")
        let table = view.routing(for: listeners, at: sec(1))
        XCTAssertEqual(table.names("w"), [])
        XCTAssertEqual(table.primary, "p", "the operator drains routing, not the cluster's roles")
    }

    func testRuntimeWeightReplacesTheConfiguredOneAndZeroTakesNoSessions() {
        view.setWeight(25, of: "r1", in: "r")
        XCTAssertEqual(view.routing(for: listeners, at: sec(1)).weight(of: "r1", in: "r"), 25)
        view.setWeight(0, of: "r1", in: "r")
        XCTAssertEqual(view.routing(for: listeners, at: sec(1)).names("r"), ["r2"])
        XCTAssertEqual(view.administration(of: "r1", in: "r"), ServerAdministration(state: .ready, weight: 0))
    }

    func testChecksPauseOnlyWhenEveryListenerHasTheServerInMaintenance() {
        view.setAdminState(.maint, of: "r2", in: "r")
        XCTAssertFalse(view.checksPaused(for: "r2", listeners: listeners), "listener r2 still routes to it")
        view.setAdminState(.maint, of: "r2", in: "r2")
        XCTAssertTrue(view.checksPaused(for: "r2", listeners: listeners))
        XCTAssertFalse(view.checksPaused(for: "r1", listeners: listeners))
    }

    func testAReloadKeepsWhatIsStillConfiguredAndForgetsTheRest() {
        view.setAdminState(.drain, of: "r1", in: "r")
        view.setAdminState(.maint, of: "r2", in: "r")
        view.keepAdministration(of: [listener("r", .replica, ["r1"])])
        XCTAssertEqual(view.administration(of: "r1", in: "r").state, .drain)
        XCTAssertEqual(view.administration(of: "r2", in: "r"), .ready)
    }
}
