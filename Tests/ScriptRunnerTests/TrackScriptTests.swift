import Foundation
import XCTest

@testable import ScriptRunner

/// Track scripts running real `sh` scripts on a short interval.
final class TrackScriptTests: ScriptFolderTestCase {
    private func track(
        _ path: String, interval: Duration = .milliseconds(100), timeout: Duration? = nil, rise: Int = 2,
        fall: Int = 2, changes: Collected<TrackScriptChange>
    ) throws -> TrackScript {
        let settings = TrackScriptSettings(
            name: "chk", command: try ScriptCommand(arguments: [path]), interval: interval, timeout: timeout,
            rise: rise, fall: fall, weight: -30)
        return TrackScript(settings: settings, launcher: launcher) { changes.append($0) }
    }

    func testRiseAndFallFollowTheScript() throws {
        let flag = folder.path("healthy")
        XCTAssertTrue(FileManager.default.createFile(atPath: flag, contents: nil))
        let path = try folder.script("check.sh", "[ -e \(flag) ]")
        let changes = Collected<TrackScriptChange>()
        let track = try track(path, changes: changes)
        track.start()
        defer { track.stop() }

        XCTAssertTrue(waitUntil(timeout: .seconds(5)) { changes.values.count == 1 })
        XCTAssertEqual(changes.values.last?.to, .ok)
        XCTAssertEqual(changes.values.last?.priorityAdjustment, 0)

        try FileManager.default.removeItem(atPath: flag)
        XCTAssertTrue(waitUntil(timeout: .seconds(5)) { changes.values.count == 2 })
        XCTAssertEqual(changes.values.last?.to, .failed)
        XCTAssertEqual(changes.values.last?.priorityAdjustment, -30)
        XCTAssertEqual(changes.values.last?.result.termination, .exited(1))

        XCTAssertTrue(FileManager.default.createFile(atPath: flag, contents: nil))
        XCTAssertTrue(waitUntil(timeout: .seconds(5)) { changes.values.count == 3 })
        XCTAssertEqual(changes.values.map(\.to), [.ok, .failed, .ok])
    }

    func testSlowRunIsNotStartedTwice() throws {
        // Each run marks itself and would log an overlap; it outlives several intervals.
        let running = folder.path("running")
        let log = folder.path("log")
        let path = try folder.script(
            "slow.sh",
            """
            [ -e \(running) ] && echo overlap >> \(log)
            touch \(running)
            echo run >> \(log)
            sleep 0.4
            rm -f \(running)
            """)
        let changes = Collected<TrackScriptChange>()
        let track = try track(
            path, interval: .milliseconds(50), timeout: .seconds(5), rise: 1, fall: 1, changes: changes)
        track.start()
        Thread.sleep(forTimeInterval: 1.0)
        track.stop()
        Thread.sleep(forTimeInterval: 0.5)
        let lines = folder.lines("log")
        XCTAssertFalse(lines.contains("overlap"), "\(lines)")
        XCTAssertTrue((1...4).contains(lines.count), "one run at a time over 1 s of 0.4 s runs: \(lines)")
        XCTAssertEqual(changes.values.map(\.to), [.ok])
    }

    func testHangingRunIsKilledAtTheTimeoutAndFails() throws {
        let path = try folder.script("hang.sh", "sleep 30")
        let changes = Collected<TrackScriptChange>()
        let track = try track(path, timeout: .milliseconds(200), rise: 1, fall: 1, changes: changes)
        let started = ContinuousClock.now
        track.start()
        defer { track.stop() }
        XCTAssertTrue(waitUntil(timeout: .seconds(3)) { !changes.values.isEmpty })
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
        XCTAssertEqual(changes.values.first?.to, .failed)
        XCTAssertEqual(changes.values.first?.result.termination, .timedOut)
    }
}
