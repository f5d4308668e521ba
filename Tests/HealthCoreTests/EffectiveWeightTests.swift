import HealthCore
import XCTest

final class EffectiveWeightTests: XCTestCase {
    private let any = [listener("any", .any, ["a", "b"])]

    func testAgentDrainAndMaintenanceRemoveAServer() {
        var view = ClusterView(servers: [server("a"), server("b")], check: testCheck)
        view.record(server: "a", outcome: .answered(agent: .drain), at: sec(0))
        view.record(server: "b", outcome: .answered(agent: .maintenance), at: sec(0))
        XCTAssertEqual(view.routing(for: any, at: sec(0)).names("any"), [])
        view.record(.answered(agent: .ready), for: ["a", "b"], at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(1)).names("any"), ["a", "b"])
    }

    func testAgentPercentScalesTheConfiguredWeight() {
        var view = ClusterView(servers: [server("a", weight: 40), server("b")], check: testCheck)
        view.record(server: "a", outcome: .answered(agent: .weightPercent(75)), at: sec(0))
        view.record(server: "b", outcome: .answered(agent: .weightPercent(150)), at: sec(0))
        let table = view.routing(for: any, at: sec(0))
        XCTAssertEqual(
            table.eligible["any"], [EligibleServer(name: "a", weight: 30), EligibleServer(name: "b", weight: 150)])
    }

    func testWeightZeroIsLeftOut() {
        var view = ClusterView(servers: [server("a", weight: 0), server("b")], check: testCheck)
        view.record(server: "a", outcome: .answered(), at: sec(0))
        view.record(server: "b", outcome: .answered(agent: .weightPercent(0)), at: sec(0))
        XCTAssertEqual(view.routing(for: any, at: sec(0)).eligible["any"], [])
    }

    func testReplicaOrPrimaryFallsBackWhenEveryReplicaIsAtZeroPercent() {
        var view = ClusterView(servers: [server("p"), server("r")], check: testCheck)
        view.record(server: "p", outcome: .primary(), at: sec(0))
        view.record(server: "r", outcome: .replica(agent: .weightPercent(0)), at: sec(0))
        let table = view.routing(for: [listener("rp", .replicaOrPrimary, ["r", "p"])], at: sec(0))
        XCTAssertEqual(table.names("rp"), ["p"])
    }

    func testSlowstartRampsAServerThatCameBackFromOneToFull() {
        var view = ClusterView(servers: [server("a", slowstart: .seconds(10)), server("b")], check: testCheck)
        view.record(.answered(), for: ["a", "b"], at: sec(0))
        view.record(.refused, for: ["a", "a", "a"], at: sec(1))
        view.record(server: "a", outcome: .answered(), at: sec(4))
        view.record(server: "a", outcome: .answered(), at: sec(5))
        XCTAssertEqual(view.health(of: "a")?.upSince, sec(5))

        let start = view.routing(for: any, at: sec(5))
        XCTAssertEqual(start.weight(of: "a", in: "any"), 1)
        XCTAssertEqual(start.weight(of: "b", in: "any"), 100)
        XCTAssertEqual(start.nextRampUpdate, sec(5, plusNanoseconds: 100_000_001))

        let half = view.routing(for: any, at: sec(10))
        XCTAssertEqual(half.weight(of: "a", in: "any"), 50)
        XCTAssertEqual(half.nextRampUpdate, sec(10, plusNanoseconds: 1))
        XCTAssertEqual(view.routing(for: any, at: sec(10, plusNanoseconds: 1)).weight(of: "a", in: "any"), 51)

        let done = view.routing(for: any, at: sec(15))
        XCTAssertEqual(done.weight(of: "a", in: "any"), 100)
        XCTAssertNil(done.nextRampUpdate)
    }

    func testSlowstartRampsTheAgentScaledWeight() {
        var view = ClusterView(servers: [server("a", slowstart: .seconds(10))], check: testCheck)
        view.record(server: "a", outcome: .refused, at: sec(0))
        view.record(.answered(agent: .weightPercent(50)), for: ["a", "a"], at: sec(1))
        XCTAssertEqual(view.routing(for: any, at: sec(6)).weight(of: "a", in: "any"), 25)
    }

    func testSlowstartDoesNotRampAServerFoundUpOnItsFirstCheck() {
        var view = ClusterView(servers: [server("a", slowstart: .seconds(10))], check: testCheck)
        view.record(server: "a", outcome: .answered(), at: sec(0))
        let table = view.routing(for: any, at: sec(1))
        XCTAssertEqual(table.weight(of: "a", in: "any"), 100)
        XCTAssertNil(table.nextRampUpdate)
    }

    func testOnlyListedServersSetTheRampUpdate() {
        var view = ClusterView(servers: [server("a", slowstart: .seconds(10))], check: testCheck)
        view.record(server: "a", outcome: .refused, at: sec(0))
        view.record(.answered(agent: .drain), for: ["a", "a"], at: sec(1))
        XCTAssertNil(view.routing(for: any, at: sec(2)).nextRampUpdate)
    }
}
