import XCTest

@testable import ScriptRunner

/// One at a time, in submission order.
final class NotifyQueueStateTests: XCTestCase {
    func testIdleQueueStartsAtOnceBusyQueueWaits() {
        var queue = NotifyQueueState<Int>()
        XCTAssertTrue(queue.isIdle)
        XCTAssertEqual(queue.submit(1), 1)
        XCTAssertNil(queue.submit(2))
        XCTAssertNil(queue.submit(3))
        XCTAssertEqual(queue.running, 1)
        XCTAssertEqual(queue.waiting, [2, 3])
    }

    func testFinishedStartsTheOldestWaiting() {
        var queue = NotifyQueueState<Int>()
        _ = queue.submit(1)
        _ = queue.submit(2)
        XCTAssertEqual(queue.finished(), 2)
        XCTAssertNil(queue.submit(3))
        XCTAssertEqual(queue.finished(), 3)
        XCTAssertNil(queue.finished())
        XCTAssertTrue(queue.isIdle)
        XCTAssertEqual(queue.submit(4), 4, "idle again: the next one starts at once")
    }

    func testDropWaitingKeepsTheRunningJob() {
        var queue = NotifyQueueState<Int>()
        _ = queue.submit(1)
        _ = queue.submit(2)
        _ = queue.submit(3)
        XCTAssertEqual(queue.dropWaiting(), [2, 3])
        XCTAssertEqual(queue.running, 1)
        XCTAssertNil(queue.finished())
    }
}
