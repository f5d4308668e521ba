import ConfigModel
import XCTest

final class DescriptorBudgetTests: XCTestCase {
    func testTheNeedIsTwoPerSessionSixtyFourPerServerAndAReserve() {
        XCTAssertEqual(DescriptorBudget(sessions: 10000, servers: 3).need, 2 * 10000 + 64 * 3 + 256)
        XCTAssertEqual(DescriptorBudget(sessions: 1, servers: 0).need, 258)
        XCTAssertEqual(
            DescriptorBudget(sessions: 10000, servers: 3).formula, "2 x 10000 sessions + 64 x 3 servers + 256")
    }

    func testTheBudgetOfALoadedConfigurationUsesDefaultsMaxconnAndEveryServer() throws {
        let text = """
            [defaults]
            maxconn = 500
            \(minimalServer)
            [[server]]
            name = "pg2"
            address = "10.0.0.12:5432"
            \(minimalListener)
            servers = ["pg1", "pg2"]
            """
        let config = try ConfigLoader.load(text: text, path: "t.toml")
        XCTAssertEqual(DescriptorBudget(config), DescriptorBudget(sessions: 500, servers: 2))
        XCTAssertEqual(DescriptorBudget(config).need, 1000 + 128 + 256)
    }

    func testTheDefaultMaxconnFitsTheUnitsLimitNOFILE() {
        // systemd/pgfloat.service sets LimitNOFILE=65536: the default maxconn with 16 servers leaves room.
        let budget = DescriptorBudget(sessions: Defaults().maxconn, servers: 16)
        XCTAssertEqual(budget.plan(soft: 65536, hard: 65536), .sufficient)
        XCTAssertGreaterThan(budget.sessionsWithin(65536), 3 * UInt64(Defaults().maxconn))
    }

    func testASoftLimitThatSufficesIsLeftAlone() {
        let budget = DescriptorBudget(sessions: 100, servers: 2)  // needs 584
        XCTAssertEqual(budget.plan(soft: 584, hard: 584), .sufficient)
        XCTAssertEqual(budget.plan(soft: 1024, hard: 4096), .sufficient)
        XCTAssertEqual(budget.plan(soft: .max, hard: .max), .sufficient, "RLIM_INFINITY")
    }

    func testASoftLimitBelowTheNeedIsRaisedToExactlyTheNeedWhenTheHardOneAllows() {
        let budget = DescriptorBudget(sessions: 1000, servers: 2)  // needs 2384
        XCTAssertEqual(budget.plan(soft: 1024, hard: 4096), .raise(to: 2384))
        XCTAssertEqual(budget.plan(soft: 1024, hard: 2384), .raise(to: 2384))
        XCTAssertEqual(budget.plan(soft: 1024, hard: .max), .raise(to: 2384), "RLIM_INFINITY hard limit")
    }

    func testAHardLimitBelowTheNeedIsAWarningAndTheSoftLimitGoesToTheHardOne() {
        let budget = DescriptorBudget(sessions: 10000, servers: 3)  // needs 20448
        XCTAssertEqual(budget.plan(soft: 1024, hard: 4096), .shortOfHardLimit(raiseTo: 4096))
        XCTAssertEqual(budget.plan(soft: 1024, hard: 1024), .shortOfHardLimit(raiseTo: nil))
        XCTAssertEqual(budget.plan(soft: 20447, hard: 20447), .shortOfHardLimit(raiseTo: nil))
        XCTAssertEqual(
            budget.shortfallWarning(hard: 1024),
            "maxconn needs 20448 open files (2 x 10000 sessions + 64 x 3 servers + 256) but their hard limit is "
                + "1024, room for about 288 sessions; raise LimitNOFILE= (systemd) or `ulimit -Hn`, or lower "
                + "[defaults] maxconn")
    }

    func testHugeFiguresSaturateInsteadOfTrapping() {
        XCTAssertEqual(DescriptorBudget(sessions: .max, servers: 3).need, .max)
        XCTAssertEqual(DescriptorBudget(sessions: 1, servers: .max).need, .max)
        XCTAssertEqual(DescriptorBudget(sessions: .max / 2, servers: .max / 64).need, .max)
        XCTAssertEqual(DescriptorBudget(sessions: .max, servers: 0).plan(soft: 1024, hard: .max), .raise(to: .max))
        XCTAssertEqual(DescriptorBudget(sessions: 1, servers: .max).sessionsWithin(1024), 0)
    }
}
