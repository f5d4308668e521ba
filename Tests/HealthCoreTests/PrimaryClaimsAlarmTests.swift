import HealthCore
import XCTest

/// Several servers claiming primary is an error to log even when the guard chose one, at most once per check
/// interval while it lasts.
final class PrimaryClaimsAlarmTests: XCTestCase {
    private var alarm = PrimaryClaimsAlarm()
    private let interval = Duration.seconds(3)

    func testOneClaimantOrNoneRaisesNothing() {
        XCTAssertFalse(alarm.review(claimants: [], at: sec(0), interval: interval))
        XCTAssertFalse(alarm.review(claimants: ["a"], at: sec(1), interval: interval))
    }

    func testTwoClaimantsRaiseAtOnceThenOncePerInterval() {
        XCTAssertTrue(alarm.review(claimants: ["a", "b"], at: sec(0), interval: interval))
        XCTAssertFalse(alarm.review(claimants: ["a", "b"], at: sec(1), interval: interval))
        XCTAssertFalse(alarm.review(claimants: ["a", "b", "c"], at: sec(2, plusNanoseconds: 999_999_999), interval: interval))
        XCTAssertTrue(alarm.review(claimants: ["a", "b"], at: sec(3), interval: interval))
    }

    func testTheIntervalCountsFromTheLastReportAcrossEpisodes() {
        XCTAssertTrue(alarm.review(claimants: ["a", "b"], at: sec(0), interval: interval))
        XCTAssertFalse(alarm.review(claimants: ["a"], at: sec(1), interval: interval))
        XCTAssertFalse(alarm.review(claimants: ["a", "b"], at: sec(2), interval: interval))
        XCTAssertTrue(alarm.review(claimants: ["a", "b"], at: sec(3), interval: interval))
    }
}
