import HealthCore
import MonotonicTime
import XCTest

/// Several servers claiming primary is an error to log even when the guard chose one, and so is a single one that
/// lost to a newer timeline (writes go nowhere, and only the log can say why); at most once per check interval
/// while it lasts.
final class PrimaryClaimsAlarmTests: XCTestCase {
    private var alarm = PrimaryClaimsAlarm()
    private let interval = Duration.seconds(3)

    private func review(
        _ claimants: [String], superseded: Set<String> = [], at now: MonotonicInstant
    ) -> PrimaryClaimsAlarm.Alert? {
        alarm.review(claimants: claimants, superseded: superseded, at: now, interval: interval)
    }

    func testOneCurrentClaimantOrNoneRaisesNothing() {
        XCTAssertNil(review([], at: sec(0)))
        XCTAssertNil(review(["a"], at: sec(1)))
    }

    func testTwoClaimantsRaiseAtOnceThenOncePerInterval() {
        XCTAssertEqual(review(["a", "b"], at: sec(0)), .severalClaimants)
        XCTAssertNil(review(["a", "b"], at: sec(1)))
        XCTAssertNil(review(["a", "b", "c"], at: sec(2, plusNanoseconds: 999_999_999)))
        XCTAssertEqual(review(["a", "b"], superseded: ["a"], at: sec(3)), .severalClaimants)
    }

    func testTheIntervalCountsFromTheLastReportAcrossEpisodes() {
        XCTAssertEqual(review(["a", "b"], at: sec(0)), .severalClaimants)
        XCTAssertNil(review(["a"], at: sec(1)))
        XCTAssertNil(review(["a", "b"], at: sec(2)))
        XCTAssertEqual(review(["a", "b"], at: sec(3)), .severalClaimants)
    }

    func testASupersededOnlyClaimantRaisesOncePerInterval() {
        // The newer primary died: the old one, still up and writable, is the only claimant and gets no writes.
        XCTAssertEqual(review(["a"], superseded: ["a"], at: sec(0)), .onlyClaimantSuperseded)
        XCTAssertNil(review(["a"], superseded: ["a"], at: sec(2)))
        XCTAssertEqual(review(["a"], superseded: ["a"], at: sec(3)), .onlyClaimantSuperseded)
        XCTAssertEqual(review(["a"], superseded: ["a"], at: sec(6)), .onlyClaimantSuperseded)
    }
}
