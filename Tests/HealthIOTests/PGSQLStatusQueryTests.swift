import HealthCore
import XCTest

@testable import HealthIO

final class PGSQLStatusQueryTests: XCTestCase {
    private typealias Row = PGSQLStatusQuery.Row

    func testPrimaryRowIgnoresWhatAPromotedServerStillRemembersOfReplay() {
        let row = Row(
            inRecovery: false, walPosition: "16/B374D848", timeline: 4, receivedPosition: "16/0", receiver: "none",
            replayAge: 9_000_000)
        XCTAssertEqual(
            PGSQLStatusQuery.outcome(row),
            CheckOutcome(reachable: true, role: .primary, timeline: 4, walPosition: 0x16_B374_D848))
    }

    func testStreamingReplicaThatReplayedAllItReceivedHasNoDelay() {
        let row = Row(
            inRecovery: true, walPosition: "0/3000060", timeline: 1, receivedPosition: "0/3000060",
            receiver: "streaming", replayAge: 600_000_000)
        XCTAssertEqual(
            PGSQLStatusQuery.outcome(row),
            CheckOutcome(
                reachable: true, role: .replica, timeline: 1, walPosition: 0x300_0060, receivedPosition: 0x300_0060,
                replayDelay: .zero, streaming: true),
            "an idle primary sends nothing newer: the old commit is not lag")
    }

    func testAReplicaWithWALWaitingReportsTheAgeOfItsLastReplayedCommit() {
        let row = Row(
            inRecovery: true, walPosition: "0/3000060", timeline: 1, receivedPosition: "0/4000000",
            receiver: "streaming", replayAge: 7_250_000)
        let outcome = PGSQLStatusQuery.outcome(row)
        XCTAssertEqual(outcome.replayDelay, .milliseconds(7_250))
        XCTAssertEqual(outcome.receivedPosition, 0x400_0000)
    }

    func testAReplicaWithoutAReceiverDoesNotStreamAndItsDelayGrows() {
        let row = Row(
            inRecovery: true, walPosition: "0/3000060", timeline: 1, receivedPosition: nil, receiver: "none",
            replayAge: 30_000_000)
        XCTAssertEqual(
            PGSQLStatusQuery.outcome(row),
            CheckOutcome(
                reachable: true, role: .replica, timeline: 1, walPosition: 0x300_0060, replayDelay: .seconds(30),
                streaming: false))
        var caughtUp = row
        caughtUp.receivedPosition = "0/3000060"
        XCTAssertEqual(
            PGSQLStatusQuery.outcome(caughtUp).replayDelay, .seconds(30),
            "caught up with what it received, but it receives nothing: not known to be fresh")
    }

    func testReceiverStatesOtherThanStreaming() {
        for status in ["starting", "waiting", "restarting", "stopping"] {
            let row = Row(inRecovery: true, walPosition: "0/1", timeline: nil, receiver: status)
            XCTAssertEqual(PGSQLStatusQuery.outcome(row).streaming, false, status)
        }
    }

    func testAHiddenReceiverStatusCountsAsStreaming() {
        let row = Row(
            inRecovery: true, walPosition: "0/3000060", timeline: nil, receivedPosition: "0/3000060",
            receiver: "hidden", replayAge: nil)
        XCTAssertEqual(
            PGSQLStatusQuery.outcome(row),
            CheckOutcome(
                reachable: true, role: .replica, walPosition: 0x300_0060, receivedPosition: 0x300_0060,
                replayDelay: .zero, streaming: true))
    }

    func testReplicaThatReplayedNothingYet() {
        let row = Row(inRecovery: true, walPosition: nil, timeline: 2, receiver: "none")
        XCTAssertEqual(
            PGSQLStatusQuery.outcome(row),
            CheckOutcome(reachable: true, role: .replica, timeline: 2, streaming: false))
    }

    func testAClockAheadOnThePrimaryIsNoNegativeDelay() {
        let row = Row(
            inRecovery: true, walPosition: "0/1", timeline: 1, receivedPosition: "0/2", receiver: "streaming",
            replayAge: -40_000)
        XCTAssertEqual(PGSQLStatusQuery.outcome(row).replayDelay, .zero)
    }
}
