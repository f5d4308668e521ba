import Foundation
import Glibc
import LogWriter
import XCTest

final class LogWriterTests: XCTestCase {
    /// The defect this writer exists for: a descriptor nobody reads must not stop the threads that log.
    func testLoggingToAPipeNobodyReadsReturnsPromptlyAndCountsDrops() throws {
        let pipe = try Pipe()
        let writer = LogWriter(fd: pipe.writeFD, capacity: 64 * 1024)
        writer.start()
        let lines = 100_000
        let accepted = LockedCount()
        let finished = expectation(description: "100,000 lines handed in")
        let started = ContinuousClock.now
        Thread.detachNewThread {
            for index in 0..<lines where writer.write(Array("line \(index)\n".utf8)) { accepted.add() }
            finished.fulfill()
        }
        // Generous for a loaded 2-core machine: a writer that waited for the pipe would never finish.
        wait(for: [finished], timeout: 30)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(30))
        let dropped = writer.droppedLines
        XCTAssertGreaterThan(dropped, 0)
        XCTAssertEqual(accepted.value + dropped, lines)

        // Drained, the pipe shows every accepted line in order; each run of dropped ones is one notice.
        let output = pipe.read { Self.account(for: $0.text).covered == lines }.text
        let account = Self.account(for: output)
        XCTAssertEqual(account.covered, lines, "every line written or counted in a notice, in order")
        XCTAssertEqual(account.outOfOrder, 0)
        XCTAssertEqual(account.noticed, dropped)
        XCTAssertEqual(writer.droppedLines, dropped)
    }

    /// Walks `line N` lines and `N log lines dropped` notices: how many lines they account for in order, how
    /// many notices said were dropped, and how many lines were not the one expected next.
    private static func account(for output: String) -> (covered: Int, noticed: Int, outOfOrder: Int) {
        var covered = 0
        var noticed = 0
        var outOfOrder = 0
        for line in output.split(separator: "\n") {
            if line.hasSuffix(" log lines dropped"), let count = Int(line.prefix { $0 != " " }) {
                covered += count
                noticed += count
            } else {
                if line != "line \(covered)" { outOfOrder += 1 }
                covered += 1
            }
        }
        return (covered, noticed, outOfOrder)
    }

    /// One line per connection at a few hundred connections a second: the writer thread writes them in batches,
    /// not one wakeup and write(2) per line (which cost a busy proxy two context switches per connection).
    func testLinesArrivingOneByOneAreWrittenInBatches() throws {
        let pipe = try Pipe()
        let writer = LogWriter(fd: pipe.writeFD, capacity: 64 * 1024)
        writer.start()
        let lines = 100
        let started = ContinuousClock.now
        for index in 0..<lines {
            XCTAssertTrue(writer.write(Array("line \(index)\n".utf8)))
            // A connection every 2 ms: the pace of the data plane, not a wait for the writer.
            usleep(2_000)
        }
        XCTAssertTrue(writer.drain(timeout: .seconds(10)))
        let elapsed = ContinuousClock.now - started
        let output = pipe.read { Self.account(for: $0.text).covered == lines }.text
        XCTAssertEqual(Self.account(for: output).outOfOrder, 0)
        // One batch per coalescing delay at most, plus the drain's; generous for a loaded machine.
        let batches = Int(elapsed / LogWriter.coalescingDelay) + 2
        XCTAssertLessThanOrEqual(writer.descriptorWrites, batches, "\(lines) lines over \(elapsed)")
        XCTAssertLessThan(writer.descriptorWrites, lines / 4)
    }

    func testALineBiggerThanTheBufferIsDroppedAndCountedAndTheNextOneFollowsTheNotice() throws {
        let pipe = try Pipe()
        let writer = LogWriter(fd: pipe.writeFD, capacity: 256)
        writer.start()
        XCTAssertFalse(writer.write([UInt8](repeating: UInt8(ascii: "x"), count: 1_000) + [10]))
        XCTAssertEqual(writer.droppedLines, 1)
        XCTAssertTrue(writer.write(Array("after\n".utf8)))
        XCTAssertTrue(writer.drain(timeout: .seconds(10)))
        XCTAssertEqual(pipe.read { $0.text.hasSuffix("after\n") }.text, "1 log lines dropped\nafter\n")
    }

    func testLinesHandedInBeforeStartAreWrittenOnceItRuns() throws {
        let pipe = try Pipe()
        let writer = LogWriter(fd: pipe.writeFD, capacity: 256) { count in Array("lost=\(count)\n".utf8) }
        let line = Array(String(repeating: "a", count: 99).utf8) + [10]
        XCTAssertTrue(writer.write(line))
        XCTAssertTrue(writer.write(line))
        XCTAssertFalse(writer.write(line))
        XCTAssertTrue(writer.drain(timeout: .seconds(10)), "drain starts the writer thread")
        XCTAssertEqual(pipe.read { $0.text.hasSuffix("lost=1\n") }, line + line + Array("lost=1\n".utf8))
    }

    /// A fatal error before exit: drain gives a working stderr its last lines and a stalled one a bounded wait.
    func testDrainWaitsAtMostItsTimeoutForADescriptorNobodyReads() throws {
        let pipe = try Pipe()
        let writer = LogWriter(fd: pipe.writeFD, capacity: 256 * 1024)
        writer.start()
        let line = [UInt8](repeating: UInt8(ascii: "y"), count: 1_023) + [10]
        // More than the pipe holds (64 KiB by default), so some stays in the buffer.
        for _ in 0..<200 { XCTAssertTrue(writer.write(line)) }
        let started = ContinuousClock.now
        XCTAssertFalse(writer.drain(timeout: .milliseconds(300)))
        let waited = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(300))
        XCTAssertLessThan(waited, .seconds(10))
        XCTAssertEqual(pipe.read { $0.count >= 200 * 1_024 }.count, 200 * 1_024)
        XCTAssertTrue(writer.drain(timeout: .seconds(10)))
    }
}

/// A count another thread adds to.
private final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }

    func add() { lock.withLock { count += 1 } }
}
