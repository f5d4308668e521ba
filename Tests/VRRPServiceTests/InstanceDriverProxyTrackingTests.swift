import VRRPCore
@testable import VRRPService
import XCTest

/// `track_proxy` through the driver: one stall faults at once (fall 1), recovery waits for rise (5 periods).
final class InstanceDriverProxyTrackingTests: XCTestCase {
    private let stalled = ProxyObservation(silence: .milliseconds(900))
    private let answering = ProxyObservation(silence: .milliseconds(150))

    func testAStalledProxyFaultsAtOnceAndRecoversOnlyAfterASecondOfAnswers() throws {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.driver.track(TrackedState(), proxy: answering, at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)

        rig.driver.track(TrackedState(), proxy: stalled, at: ms(4000))
        XCTAssertEqual(rig.driver.router.state, .fault)
        for pass in 1...4 {
            rig.driver.track(TrackedState(), proxy: answering, at: ms(4000 + 200 * pass))
            XCTAssertEqual(rig.driver.router.state, .fault, "answer \(pass) of 5")
        }
        rig.driver.track(TrackedState(), proxy: answering, at: ms(5000))
        XCTAssertEqual(rig.driver.router.state, .backup)
    }
}
