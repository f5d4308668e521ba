import BalanceCore
import MonotonicTime
import XCTest

final class SourceRateLimiterTests: XCTestCase {
    private func at(_ milliseconds: Int) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: 1_000_000_000 + UInt64(milliseconds) * 1_000_000)
    }

    func testABurstIsAdmittedThenTheRate() {
        var limiter = SourceRateLimiter<String>(rate: 10, burst: 3, capacity: 8)
        XCTAssertEqual((0..<5).map { _ in limiter.admit("a", at: at(0)) }, [true, true, true, false, false])
        // 10 per second: one token every 100 ms.
        XCTAssertFalse(limiter.admit("a", at: at(99)))
        XCTAssertTrue(limiter.admit("a", at: at(100)))
        XCTAssertFalse(limiter.admit("a", at: at(150)))
        XCTAssertTrue(limiter.admit("a", at: at(200)))
    }

    func testTokensNeverExceedTheBurst() {
        var limiter = SourceRateLimiter<String>(rate: 10, burst: 2, capacity: 8)
        XCTAssertTrue(limiter.admit("a", at: at(0)))
        let later = (0..<4).map { _ in limiter.admit("a", at: at(60_000)) }
        XCTAssertEqual(later, [true, true, false, false], "a minute idle buys the burst, not 600 tokens")
    }

    func testSourcesHaveBucketsOfTheirOwn() {
        var limiter = SourceRateLimiter<String>(rate: 1, burst: 1, capacity: 8)
        XCTAssertTrue(limiter.admit("a", at: at(0)))
        XCTAssertFalse(limiter.admit("a", at: at(0)))
        XCTAssertTrue(limiter.admit("b", at: at(0)), "one source's flood does not spend another's share")
    }

    func testAClockThatDoesNotMoveOrGoesBackGivesNothing() {
        var limiter = SourceRateLimiter<String>(rate: 1000, burst: 1, capacity: 8)
        XCTAssertTrue(limiter.admit("a", at: at(500)))
        XCTAssertFalse(limiter.admit("a", at: at(400)))
        XCTAssertFalse(limiter.admit("a", at: at(500)))
        XCTAssertTrue(limiter.admit("a", at: at(501)))
    }

    func testAFullTableSharesOneOverflowBucketAndStaysBounded() {
        var limiter = SourceRateLimiter<Int>(rate: 1, burst: 2, capacity: 4)
        for source in 0..<4 { XCTAssertTrue(limiter.admit(source, at: at(0))) }
        // Thousands of new addresses at once: they share one burst, and the table does not grow.
        let admitted = (100..<5100).filter { limiter.admit($0, at: at(0)) }.count
        XCTAssertEqual(admitted, 2)
        XCTAssertEqual(limiter.trackedSources, 4)
    }

    func testRefilledSourcesArePrunedToMakeRoomAtMostOnceASecond() {
        var limiter = SourceRateLimiter<Int>(rate: 1, burst: 2, capacity: 2)
        XCTAssertTrue(limiter.admit(1, at: at(0)))
        XCTAssertTrue(limiter.admit(2, at: at(0)))
        // Too early: nobody has refilled, the newcomer spends the overflow bucket.
        XCTAssertEqual((0..<3).map { _ in limiter.admit(3, at: at(100)) }, [true, true, false])
        XCTAssertEqual(limiter.trackedSources, 2)
        // Source 2 spends again and stays; source 1 has refilled (one token a second, one was missing) and goes.
        XCTAssertTrue(limiter.admit(2, at: at(1_500)))
        // A bucket of its own (burst 2), not the overflow's 1.4 tokens.
        XCTAssertEqual((0..<3).map { _ in limiter.admit(4, at: at(1_500)) }, [true, true, false])
        XCTAssertEqual(limiter.trackedSources, 2)
    }

    func testRandomSequencesKeepTheBound() {
        var limiter = SourceRateLimiter<UInt8>(rate: 5, burst: 4, capacity: 16)
        var generator = XorShift(state: 0x5EED_CA9C_E1)
        var now = 0
        var admitted: [UInt8: Int] = [:]
        for _ in 0..<20_000 {
            now += Int.random(in: 0...3, using: &generator)
            let source = UInt8.random(in: 0...63, using: &generator)
            if limiter.admit(source, at: at(now)) { admitted[source, default: 0] += 1 }
            XCTAssertLessThanOrEqual(limiter.trackedSources, 16)
        }
        // Over `now` ms, at most burst + rate * seconds each for tracked sources, plus the shared overflow.
        let ceiling = 4 + Int(Double(now) / 1000 * 5) + 1
        XCTAssertLessThanOrEqual(admitted.values.reduce(0, +), 65 * ceiling)
    }
}

/// A fixed-seed generator, so a failing sequence replays.
private struct XorShift: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
