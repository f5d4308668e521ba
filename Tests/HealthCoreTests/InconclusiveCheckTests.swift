import HealthCore
import XCTest

/// A server that answers a check with "too busy" (53300 at login, 57014 when the check's statement_timeout fired)
/// is alive: the result counts neither toward rise nor fall, so a loaded primary keeps its role and its sessions.
final class InconclusiveCheckTests: XCTestCase {
    private let tooMany = CheckOutcome.serverError(sqlState: "53300", message: "sorry, too many clients already")
    private let cancelled = CheckOutcome.serverError(
        sqlState: "57014", message: "canceling statement due to statement timeout")

    func testTheSQLStateDecidesWhatAnErrorReplyMeans() {
        for busy in ["53300", "53200", "53100", "53000", "53400", "57014"] {
            XCTAssertEqual(ServerErrorClass(sqlState: busy), .busy, busy)
        }
        for unavailable in ["57P01", "57P02", "57P03"] {
            XCTAssertEqual(ServerErrorClass(sqlState: unavailable), .unavailable, unavailable)
        }
        for misconfigured in ["28P01", "28000", "3D000"] {
            XCTAssertEqual(ServerErrorClass(sqlState: misconfigured), .misconfigured, misconfigured)
        }
        for other in ["42P01", "XX000", "58030", "57000", "3D001", ""] {
            XCTAssertEqual(ServerErrorClass(sqlState: other), .other, other)
        }
    }

    func testOnlyABusyAnswerIsInconclusiveAndEveryAnswerNamesItsSQLState() {
        XCTAssertTrue(tooMany.inconclusive)
        XCTAssertFalse(tooMany.reachable)
        XCTAssertEqual(tooMany.sqlState, "53300")
        XCTAssertEqual(
            tooMany.error,
            "53300 sorry, too many clients already (server alive but busy; counts neither toward rise nor fall)")
        let starting = CheckOutcome.serverError(sqlState: "57P03", message: "the database system is starting up")
        XCTAssertFalse(starting.inconclusive)
        XCTAssertEqual(
            starting.error, "57P03 the database system is starting up (server alive but not taking sessions)")
        let password = CheckOutcome.serverError(sqlState: "28P01", message: "password authentication failed")
        XCTAssertFalse(password.inconclusive)
        XCTAssertTrue(password.error?.hasPrefix("28P01 password authentication failed (check settings") ?? false)
        let other = CheckOutcome.serverError(sqlState: "XX000", message: "internal error")
        XCTAssertEqual(other.error, "XX000 internal error")
    }

    func testABusyAnswerNeitherAdvancesNorResetsFall() {
        var health = ServerHealth(name: "a", rise: 2, fall: 3)
        health.record(.primary(), at: sec(0))
        health.record(.refused, at: sec(1))
        health.record(.refused, at: sec(2))
        XCTAssertEqual(health.record(tooMany, at: sec(3)).map(\.change), [.inconclusive(sqlState: "53300", count: 1)])
        XCTAssertEqual(health.reachability, .up, "2 of fall 3: the busy answer is not the third failure")
        XCTAssertTrue(health.isChanging, "nor does it reset the two failures")
        health.record(.refused, at: sec(4))
        XCTAssertEqual(health.reachability, .down)
        XCTAssertEqual(health.failedChecks, 3)
        XCTAssertEqual(health.inconclusiveChecks, 1)
    }

    func testABusyAnswerNeitherAdvancesNorResetsRiseOrThePrimaryStreak() {
        var health = ServerHealth(name: "a", rise: 2, fall: 1)
        health.record(.replica(), at: sec(0))
        health.record(.refused, at: sec(1))
        health.record(.primary(timeline: 2), at: sec(2))
        health.record(cancelled, at: sec(3))
        XCTAssertEqual(health.reachability, .down)
        XCTAssertEqual(health.role, .replica)
        health.record(.primary(timeline: 2), at: sec(4))
        XCTAssertEqual(health.reachability, .up, "two passed checks around the busy one")
        XCTAssertEqual(health.role, .primary, "two primary answers around the busy one")
    }

    func testABusyPrimaryStaysUpAndPrimaryForAsLongAsItIsBusy() {
        var view = ClusterView(servers: [server("a"), server("b")], check: testCheck)
        let listeners = [listener("w", .primary, ["a", "b"])]
        view.record(server: "a", outcome: .primary(timeline: 1), at: sec(0))
        view.record(server: "b", outcome: .replica(timeline: 1), at: sec(0))
        for second in 1...300 {
            view.record(server: "a", outcome: second.isMultiple(of: 2) ? tooMany : cancelled, at: sec(second))
        }
        let table = view.routing(for: listeners, at: sec(300))
        XCTAssertEqual(table.names("w"), ["a"])
        XCTAssertFalse(table.deposed.contains("a"), "its sessions are not closed")
        XCTAssertEqual(view.health(of: "a")?.reachability, .up)
        XCTAssertEqual(view.health(of: "a")?.failedChecks, 0)
        XCTAssertEqual(view.health(of: "a")?.inconclusiveChecks, 300)
        XCTAssertEqual(view.nextCheckDelay(for: "a", starved: false, at: sec(300)), testCheck.interval)
    }

    func testAServerThatStaysBusyIsReportedOncePerPeriodWithTheCount() {
        var health = ServerHealth(name: "a", rise: 2, fall: 3)
        health.record(.primary(), at: sec(0))
        var reports: [(Int, HealthEvent)] = []
        for second in 1...130 {
            for event in health.record(tooMany, at: sec(second)) { reports.append((second, event)) }
        }
        XCTAssertEqual(reports.map(\.0), [1, 61, 121])
        XCTAssertEqual(
            reports.map(\.1.change),
            [.inconclusive(sqlState: "53300", count: 1), .inconclusive(sqlState: "53300", count: 60),
             .inconclusive(sqlState: "53300", count: 60)])
        XCTAssertTrue(reports[1].1.why.hasPrefix("60 inconclusive checks since the last report: 53300 "))
    }

    func testABusyFirstCheckLeavesTheServerUncheckedAndTheFirstAnswerCountsAsFirst() {
        var health = ServerHealth(name: "a", rise: 2, fall: 3)
        health.record(tooMany, at: sec(0))
        XCTAssertEqual(health.reachability, .unknown)
        XCTAssertEqual(health.lastOutcome?.sqlState, "53300", "the statistics show why")
        health.record(.primary(), at: sec(1))
        XCTAssertEqual(health.reachability, .up)
        XCTAssertEqual(health.role, .primary, "a cold start does not wait rise primary answers")
    }
}
