import HealthCore
import XCTest

/// The state file that keeps the newest primary timeline across restarts: its text, and when it is written.
final class NewestTimelineRecordTests: XCTestCase {
    func testTheTextRoundTrips() throws {
        let text = NewestTimelineRecord.encode(6)
        XCTAssertTrue(text.contains("newest_primary_timeline = 6\n"), text)
        XCTAssertEqual(try NewestTimelineRecord.decode(text), 6)
        XCTAssertEqual(try NewestTimelineRecord.decode("newest_primary_timeline=12"), 12)
    }

    func testAnythingButOneWellFormedLineIsCorrupt() {
        for text in [
            "", "# only a comment\n", "newest_primary_timeline = 6\nnewest_primary_timeline = 7\n",
            "newest_primary_timeline = ", "newest_primary_timeline = six", "newest_primary_timeline = 0",
            "newest_primary_timeline = -3", "timeline = 6", "newest_primary_timeline = 6 7", "\0\0\0\0",
        ] {
            XCTAssertThrowsError(try NewestTimelineRecord.decode(text), "\(text.debugDescription)")
        }
    }

    func testAWriteIsDueOnlyWhenTheNewestTimelineDiffersFromTheFile() {
        var sync = NewestTimelineSync(retryDelay: .seconds(3))
        sync.loaded(5)
        assertNoWrite(sync.due(newest: 5, at: sec(0)), "the file already holds it")
        XCTAssertEqual(sync.due(newest: 6, at: sec(1)), .some(6))
        assertNoWrite(sync.due(newest: 7, at: sec(1)), "one write at a time")
        XCTAssertFalse(sync.finished(6, succeeded: true, at: sec(1)))
        XCTAssertEqual(sync.stored, 6)
        XCTAssertEqual(sync.due(newest: 7, at: sec(1)), .some(7), "the newer value follows the finished write")
        XCTAssertFalse(sync.finished(7, succeeded: true, at: sec(1)))
        XCTAssertEqual(sync.due(newest: nil, at: sec(2)), .some(nil), "clear timeline removes the file")
        XCTAssertFalse(sync.finished(nil, succeeded: true, at: sec(2)))
        assertNoWrite(sync.due(newest: nil, at: sec(2)))
    }

    func testAFailedWriteIsRetriedAfterTheDelayAndLoggedOncePerStreak() {
        var sync = NewestTimelineSync(retryDelay: .seconds(3))
        XCTAssertEqual(sync.due(newest: 6, at: sec(0)), .some(6))
        XCTAssertTrue(sync.finished(6, succeeded: false, at: sec(0)), "the first failure is logged")
        XCTAssertTrue(sync.failing)
        assertNoWrite(sync.due(newest: 6, at: sec(2)), "not before the retry delay")
        XCTAssertEqual(sync.due(newest: 6, at: sec(3)), .some(6))
        XCTAssertFalse(sync.finished(6, succeeded: false, at: sec(3)), "still failing: counted, not logged again")
        XCTAssertEqual(sync.failures, 2)
        XCTAssertEqual(sync.due(newest: 6, at: sec(6)), .some(6))
        XCTAssertFalse(sync.finished(6, succeeded: true, at: sec(6)))
        XCTAssertFalse(sync.failing)
        XCTAssertEqual(sync.stored, 6)
        XCTAssertEqual(sync.due(newest: 7, at: sec(6)), .some(7), "after a success no delay")
    }

    /// `due` returned no write (an `Int??` is nil, not `.some(nil)`, the removal).
    private func assertNoWrite(
        _ due: Int??, _ message: String = "", file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertTrue(due == nil, message, file: file, line: line)
    }
}
