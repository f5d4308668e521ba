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
        XCTAssertEqual([queue.popFirst()?.id, queue.popFirst()?.id, queue.popFirst()?.id, queue.popFirst()?.id], [1, 2, 3, nil])
        XCTAssertTrue(queue.isEmpty)
    }

    func testRemovedClientsAreSkipped() {
        var queue = WaitQueue<Int>()
        for id in 1...4 { queue.enqueue(id, deadline: at(100)) }
        XCTAssertTrue(queue.remove(1))
        XCTAssertTrue(queue.remove(3))
        XCTAssertFalse(queue.remove(3))
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(queue.popFirst()?.id, 2)
        XCTAssertEqual(queue.popFirst()?.id, 4)
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
            if round % 2 == 1 { queue.remove(round) } else { XCTAssertEqual(queue.popFirst()?.id, round) }
        }
        XCTAssertTrue(queue.isEmpty)
        queue.enqueue(42, deadline: at(1))
        XCTAssertEqual(queue.popFirst()?.id, 42)
    }

    /// A client re-queued after a failed connect keeps its original deadline; it must not sit behind clients
    /// whose deadlines are later, or expiry (which looks only at the head) would miss it.
    func testAnEarlierDeadlineIsInsertedInOrder() {
        var queue = WaitQueue<Int>()
        queue.enqueue(2, deadline: at(20))
        queue.enqueue(3, deadline: at(30))
        queue.enqueue(1, deadline: at(10))
        queue.enqueue(4, deadline: at(25))
        XCTAssertEqual(queue.waiting, [1, 2, 4, 3])
        XCTAssertEqual(queue.expire(now: at(10)), [1])
        XCTAssertEqual(queue.expire(now: at(26)), [2, 4])
        XCTAssertEqual(queue.popFirst()?.id, 3)
    }

    func testEnqueueingAWaitingClientMovesIt() {
        var queue = WaitQueue<Int>()
        queue.enqueue(1, deadline: at(10))
        queue.enqueue(2, deadline: at(20))
        queue.enqueue(1, deadline: at(30))
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(queue.waiting, [2, 1])
    }

    func testReturnToFrontRestoresTheHead() {
        var queue = WaitQueue<Int>()
        for id in 1...3 { queue.enqueue(id, deadline: at(10)) }
        let first = queue.popFirst()!
        queue.returnToFront(first.id, deadline: first.deadline)
        XCTAssertEqual(queue.waiting, [1, 2, 3])
        // Into the middle of the storage too, once the head has moved on.
        _ = queue.popFirst()
        let second = queue.popFirst()!
        queue.returnToFront(second.id, deadline: second.deadline)
        XCTAssertEqual(queue.waiting, [2, 3])
        XCTAssertEqual(queue.expire(now: at(10)), [2, 3])
    }

    /// Random operations against a plain array model: order, membership and count always agree.
    func testRandomOperationsMatchAModel() {
        var generator = SplitMix(seed: 7)
        for _ in 0..<200 {
            var queue = WaitQueue<Int>()
            var model: [(id: Int, deadline: UInt64)] = []
            var clock: UInt64 = 0
            for step in 0..<300 {
                let id = Int(generator.next() % 40)
                switch generator.next() % 5 {
                case 0, 1:
                    let deadline = clock + generator.next() % 50
                    queue.enqueue(id, deadline: at(deadline))
                    model.removeAll { $0.id == id }
                    let position = model.lastIndex { $0.deadline <= deadline }.map { $0 + 1 } ?? 0
                    model.insert((id, deadline), at: position)
                case 2:
                    XCTAssertEqual(queue.remove(id), model.contains { $0.id == id })
                    model.removeAll { $0.id == id }
                case 3:
                    let popped = queue.popFirst()
                    XCTAssertEqual(popped?.id, model.first?.id)
                    if !model.isEmpty { model.removeFirst() }
                    if let popped, generator.next() % 2 == 0 {
                        queue.returnToFront(popped.id, deadline: popped.deadline)
                        model.insert((popped.id, popped.deadline.nanoseconds / 1_000_000), at: 0)
                    }
                default:
                    clock += generator.next() % 10
                    let due = model.prefix { $0.deadline <= clock }.map(\.id)
                    XCTAssertEqual(queue.expire(now: at(clock)), due, "step \(step)")
                    model.removeFirst(due.count)
                }
                XCTAssertEqual(queue.waiting, model.map(\.id), "step \(step)")
                XCTAssertEqual(queue.count, model.count)
            }
        }
    }
}

/// A small deterministic generator, so a failing sequence replays from its seed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
