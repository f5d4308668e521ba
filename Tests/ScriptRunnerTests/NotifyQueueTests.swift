import Foundation
import XCTest

@testable import ScriptRunner

/// Real hooks through a notify queue.
final class NotifyQueueTests: ScriptFolderTestCase {
    private func waitIdle(_ queue: NotifyQueue, timeout: Duration) -> Bool {
        let idle = Collected<Bool>()
        queue.whenIdle { idle.append(true) }
        return waitUntil(timeout: timeout) { !idle.values.isEmpty }
    }

    func testOrderUnderLoad() throws {
        // Each hook sleeps a random few milliseconds and then appends its number: run concurrently, the
        // quick ones would overtake the slow ones.
        let path = try folder.script("append.sh", "sleep \"$3\"\necho \"$2\" >> \"$1\"")
        let files = (0..<3).map { "order-\($0)" }
        let finished = files.map { _ in Collected<NotifyJob>() }
        let queues = files.indices.map { index in
            NotifyQueue(instance: "VI_\(index)", launcher: launcher, timeout: .seconds(5)) { job, result in
                XCTAssertEqual(result.termination, .exited(0), result.summary)
                finished[index].append(job)
            }
        }
        // Three instances submitting at once from three threads: load on the launcher, one order per queue.
        DispatchQueue.concurrentPerform(iterations: queues.count) { index in
            for number in 0..<10 {
                let delay = String(format: "0.%03d", Int.random(in: 0...40))
                let arguments = [path, folder.path(files[index]), "\(number)", delay]
                queues[index].submit([try! ScriptCommand(arguments: arguments)])
            }
        }
        for index in queues.indices {
            XCTAssertTrue(waitIdle(queues[index], timeout: .seconds(20)))
            XCTAssertEqual(folder.lines(files[index]), (0..<10).map(String.init), "file order is submission order")
            XCTAssertEqual(finished[index].values.map(\.sequence), Array(0..<10), "reports in submission order")
        }
    }

    func testHungHookIsKilledAtItsTimeoutAndTheNextRuns() throws {
        let hang = try folder.script("hang.sh", "sleep 30")
        let next = try folder.script("next.sh", "echo next >> \(folder.path("log"))")
        let results = Collected<ScriptResult>()
        let queue = NotifyQueue(instance: "VI_1", launcher: launcher, timeout: .milliseconds(300)) { _, result in
            results.append(result)
        }
        let started = ContinuousClock.now
        queue.submit([try ScriptCommand(arguments: [hang]), try ScriptCommand(arguments: [next])])
        XCTAssertTrue(waitIdle(queue, timeout: .seconds(5)))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        XCTAssertEqual(results.values.map(\.termination), [.timedOut, .exited(0)])
        XCTAssertEqual(folder.lines("log"), ["next"])
    }

    func testTransitionHooksWithKeepalivedArguments() throws {
        let log = folder.path("calls")
        let specific = try folder.script("master.sh", "echo \"master $*\" >> \(log)")
        let generic = try folder.script("notify.sh", "echo \"notify $*\" >> \(log)")
        let hooks = NotifyHooks(
            master: try ScriptCommand(parsing: "\(specific) up"), generic: try ScriptCommand(arguments: [generic]))
        let queue = NotifyQueue(instance: "VI_1", launcher: launcher, timeout: .seconds(5))
        queue.submit(hooks: hooks, state: .master, priority: 150)
        queue.submit(hooks: hooks, state: .backup, priority: 100)
        XCTAssertTrue(waitIdle(queue, timeout: .seconds(10)))
        XCTAssertEqual(
            folder.lines("calls"),
            ["master up", "notify INSTANCE VI_1 MASTER 150", "notify INSTANCE VI_1 BACKUP 100"])
    }

    func testCloseDropsWaitingHooksAndKillsTheRunningOne() throws {
        let hang = try folder.script("hang.sh", "sleep 30")
        let results = Collected<ScriptResult>()
        let queue = NotifyQueue(instance: "VI_1", launcher: launcher, timeout: .seconds(30)) { _, result in
            results.append(result)
        }
        let command = try ScriptCommand(arguments: [hang])
        queue.submit([command, command])
        Thread.sleep(forTimeInterval: 0.2)
        queue.close()
        queue.submit([command])
        XCTAssertTrue(waitIdle(queue, timeout: .seconds(5)))
        XCTAssertTrue(waitUntil(timeout: .seconds(5)) { results.values.count == 3 })
        XCTAssertEqual(
            Set(results.values.map(\.termination)),
            [.notStarted("notify queue closed"), .signaled(9)])
    }
}
