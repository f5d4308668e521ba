import MonotonicTime
import XCTest

@testable import ScriptRunner

/// Schedule and rise/fall of a track script with a made-up clock: events in, actions out.
final class TrackScriptMachineTests: XCTestCase {
    private let passed = ScriptResult(termination: .exited(0))
    private let failed = ScriptResult(termination: .exited(1))

    private func at(_ milliseconds: UInt64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: 1_000_000_000 + milliseconds * 1_000_000)
    }

    private func machine(rise: Int = 2, fall: Int = 3, weight: Int = -20) -> TrackScriptMachine {
        TrackScriptMachine(
            settings: TrackScriptSettings(
                name: "chk_pg", command: try! ScriptCommand(arguments: ["/bin/true"]), interval: .seconds(1),
                timeout: .milliseconds(500), rise: rise, fall: fall, weight: weight))
    }

    /// The statuses `results` report, in order.
    private func reports(_ machine: inout TrackScriptMachine, _ results: [ScriptResult]) -> [TrackScriptStatus] {
        results.flatMap { result in
            machine.runFinished(result).compactMap { action -> TrackScriptStatus? in
                if case .report(let change) = action { return change.to }
                return nil
            }
        }
    }

    func testStartRunsAtOnceAndArmsTheNextTick() {
        var machine = machine()
        XCTAssertEqual(machine.start(at: at(0)), [.startRun, .armTimer(id: 1, at: at(1000))])
        XCTAssertTrue(machine.isRunning)
        XCTAssertEqual(machine.start(at: at(10)), [], "starting twice does nothing")
    }

    func testARunStillGoingAtTheNextTickIsNotStartedTwice() {
        var machine = machine()
        _ = machine.start(at: at(0))
        XCTAssertEqual(machine.timerFired(id: 1, at: at(1000)), [.armTimer(id: 2, at: at(2000))])
        XCTAssertEqual(machine.skippedRuns, 1)
        _ = machine.runFinished(passed)
        XCTAssertEqual(machine.timerFired(id: 2, at: at(2003)), [.startRun, .armTimer(id: 3, at: at(3000))])
    }

    func testStaleAndLateTimers() {
        var machine = machine()
        _ = machine.start(at: at(0))
        XCTAssertEqual(machine.timerFired(id: 7, at: at(1000)), [], "not the armed timer")
        _ = machine.runFinished(passed)
        // Fired 5.5 s late: one run, then a fresh schedule rather than five catch-up ticks.
        XCTAssertEqual(machine.timerFired(id: 1, at: at(6500)), [.startRun, .armTimer(id: 2, at: at(7500))])
    }

    func testFirstResultCountsAsItIs() {
        var up = machine()
        XCTAssertEqual(reports(&up, [passed]), [.ok])
        var down = machine()
        let actions = down.runFinished(failed)
        XCTAssertEqual(
            actions,
            [
                .report(
                    TrackScriptChange(
                        name: "chk_pg", from: .unknown, to: .failed, priorityAdjustment: -20, causesFault: false,
                        result: failed))
            ])
    }

    func testFallAfterConsecutiveFailuresRiseAfterConsecutiveSuccesses() {
        var machine = machine(rise: 2, fall: 3)
        XCTAssertEqual(reports(&machine, [passed]), [.ok])
        XCTAssertEqual(reports(&machine, [failed, failed, passed]), [], "a success resets the fall count")
        XCTAssertEqual(reports(&machine, [failed, failed]), [])
        XCTAssertEqual(reports(&machine, [failed]), [.failed], "third failure in a row")
        XCTAssertEqual(reports(&machine, [passed, failed]), [], "a failure resets the rise count")
        XCTAssertEqual(reports(&machine, [passed]), [])
        XCTAssertEqual(reports(&machine, [passed]), [.ok], "second success in a row")
        XCTAssertEqual(machine.status, .ok)
    }

    func testTimeoutsAndStartFailuresCountAsFailures() {
        var machine = machine(rise: 1, fall: 2)
        XCTAssertEqual(reports(&machine, [passed]), [.ok])
        XCTAssertEqual(
            reports(&machine, [ScriptResult(termination: .timedOut), ScriptResult(termination: .notStarted("x"))]),
            [.failed])
        XCTAssertEqual(reports(&machine, [ScriptResult(termination: .signaled(9))]), [])
    }

    func testWeights() {
        let settings = { (weight: Int) in
            TrackScriptSettings(name: "x", command: try! ScriptCommand(arguments: ["/bin/true"]), weight: weight)
        }
        XCTAssertEqual(settings(10).priorityAdjustment(for: .ok), 10)
        XCTAssertEqual(settings(10).priorityAdjustment(for: .failed), 0)
        XCTAssertEqual(settings(-10).priorityAdjustment(for: .ok), 0)
        XCTAssertEqual(settings(-10).priorityAdjustment(for: .failed), -10)
        XCTAssertEqual(settings(-10).priorityAdjustment(for: .unknown), 0)
        XCTAssertTrue(settings(0).causesFault(.failed))
        XCTAssertFalse(settings(0).causesFault(.ok))
        XCTAssertFalse(settings(-10).causesFault(.failed))
        XCTAssertEqual(settings(0).timeout, .seconds(2), "the timeout defaults to the interval")
    }

    func testStopEndsRunsAndReports() {
        var machine = machine()
        _ = machine.start(at: at(0))
        machine.stop()
        XCTAssertEqual(machine.runFinished(failed), [])
        XCTAssertEqual(machine.timerFired(id: 1, at: at(1000)), [])
        XCTAssertEqual(machine.start(at: at(1000)), [])
    }
}
