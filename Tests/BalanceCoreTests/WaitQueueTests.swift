import MonotonicTime
import BalanceCore
import XCTest

final class WaitQueueTests: XCTestCase {
    private func at(_ milliseconds: UInt64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
    }

    func testFirstInFirstOut() {
        var queue = WaitQueue<Int>()
        for id in 1...3 { queue.enqueue(id, deadline: at(UInt64(id) * 10)) }
        XCTAssertEqual(queue.peekFirst(), 1)
        XCTAssertEqual([queue.popFirst(), queue.popFirst(), queue.popFirst(), queue.popFirst()], [1, 2, 3, nil])
        XCTAssertTrue(queue.isEmpty)
    }

    func testRemovedClientsAreSkipped() {
        var queue = WaitQueue<Int>()
        for id in 1...4 { queue.enqueue(id, deadline: at(100)) }
        XCTAssertTrue(queue.remove(1))
        XCTAssertTrue(queue.remove(3))
        XCTAssertFalse(queue.remove(3))
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(queue.popFirst(), 2)
        XCTAssertEqual(queue.popFirst(), 4)
    }

    func testExpiryTakesOnlyDueClientsInOrder() {
        var queue = WaitQueue<Int>()
        queue.enqueue(1, deadline: at(10))
        queue.enqueue(2, deadline: at(20))
        queue.enqueue(3, deadline: at(30))
        queue.remove(2)
        XCTAssertEqual(queue.expire(now: at(5)), [])
        XCTAssertEqual(queue.nextDeadline(), at(10))
        XCTAssertEqual(queue.expire(now: at(25)), [1])
        XCTAssertEqual(queue.nextDeadline(), at(30))
        XCTAssertEqual(queue.expire(now: at(30)), [3])
        XCTAssertNil(queue.nextDeadline())
    }

    func testStorageStaysProportionalToWaitingClients() {
        var queue = WaitQueue<Int>()
        for round in 0..<10_000 {
            queue.enqueue(round, deadline: at(UInt64(round)))
            if round % 2 == 1 { queue.remove(round) } else { XCTAssertEqual(queue.popFirst(), round) }
        }
        XCTAssertTrue(queue.isEmpty)
        queue.enqueue(42, deadline: at(1))
        XCTAssertEqual(queue.popFirst(), 42)
    }
}
