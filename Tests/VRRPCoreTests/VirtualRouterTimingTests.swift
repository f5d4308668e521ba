import MonotonicTime
import VRRPCore
import XCTest

/// Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time, with the skew of each version.
final class VirtualRouterTimingTests: XCTestCase {
    private func masterDownDeadline(_ settings: VRRPInstanceSettings) -> MonotonicInstant? {
        var router = VirtualRouter(settings: settings)
        return router.start(at: ms(0)).armed(.masterDown)?.deadline
    }

    /// RFC 5798 6.1: Skew_Time = (256 - 100) * 1 s / 256 = 609.375 ms.
    func testVersion3SkewScalesTheMasterInterval() {
        XCTAssertEqual(masterDownDeadline(settings(priority: 100)), ns(3_609_375_000))
    }

    /// RFC 3768 6.1: Skew_Time = (256 - 100) / 256 s whatever the interval, so 3 s adverts give 9.609375 s.
    func testVersion2SkewIgnoresTheInterval() {
        XCTAssertEqual(masterDownDeadline(settings(version: .v2, interval: .seconds(3))), ns(9_609_375_000))
    }

    /// 100 ms adverts: 300 ms + 156 * 100 ms / 256 = 360.9375 ms, and a higher priority still times out first.
    func testSubSecondVersion3IntervalsKeepDistinctSkews() {
        XCTAssertEqual(masterDownDeadline(settings(priority: 100, interval: .milliseconds(100))), ns(360_937_500))
        XCTAssertEqual(masterDownDeadline(settings(priority: 200, interval: .milliseconds(100))), ns(321_875_000))
        XCTAssertEqual(masterDownDeadline(settings(priority: 253, interval: .milliseconds(100))), ns(301_171_875))
        XCTAssertEqual(masterDownDeadline(settings(priority: 254, interval: .milliseconds(100))), ns(300_781_250))
    }

    func testTheSkewUsesTheEffectivePriority() {
        var router = VirtualRouter(settings: settings(priority: 200))
        router.setPriorityAdjustment(-100)
        XCTAssertEqual(router.skewTime, .nanoseconds(609_375_000))
        XCTAssertEqual(router.masterDownInterval, .nanoseconds(3_609_375_000))
    }
}
