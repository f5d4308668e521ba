import ConfigModel
import NetTypes
import VRRPCore
@testable import VRRPService
import XCTest

/// A reloaded `[[vrrp]]` applied to a running instance: addresses and tracking change in place, and a change that
/// needs a restart changes nothing.
final class InstanceDriverReconfigureTests: XCTestCase {
    private func masterRig() throws -> DriverRig {
        let rig = try DriverRig()
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master)
        return rig
    }

    func testAMasterTakesANewAddressWithoutLeavingMaster() throws {
        let rig = try masterRig()
        var next = rig.driver.config
        let extra = IPNetwork("192.168.1.101/32")!
        next.virtualAddresses.append(extra)
        XCTAssertTrue(rig.driver.reconfigure(next, at: ms(5000)))
        XCTAssertEqual(rig.addresses.present, [DriverRig.vip, extra])
        XCTAssertEqual(rig.announcer.announced.last, extra.address)
        XCTAssertEqual(rig.driver.router.state, .master)
    }

    func testANewTrackingPolicyIsAppliedToWhatIsTracked() throws {
        let rig = try masterRig()
        rig.driver.track(TrackedState(proxyProblem: "stalled"), at: ms(4000))
        XCTAssertEqual(rig.driver.router.state, .fault)
        var next = rig.driver.config
        next.trackProxy = .off
        XCTAssertTrue(rig.driver.reconfigure(next, at: ms(5000)))
        XCTAssertEqual(rig.driver.router.state, .backup, "track_proxy = off: the stalled proxy no longer faults")
    }

    func testAChangeThatNeedsARestartChangesNothing() throws {
        let rig = try masterRig()
        var next = rig.driver.config
        next.virtualRouterID = 52
        next.priority = 10
        XCTAssertFalse(rig.driver.reconfigure(next, at: ms(5000)))
        XCTAssertEqual(rig.driver.config.priority, 100)
        XCTAssertEqual(rig.driver.router.settings.vrid, 51)
        XCTAssertEqual(rig.driver.config.restartOnlyChanges(to: next), ["virtual_router_id"])
    }

    /// A comment added above a `[[vrrp.track_script]]` moves its line, not its meaning: the priority change of the
    /// same reload is applied.
    func testATrackScriptThatOnlyMovedInTheFileDoesNotNeedARestart() throws {
        let script = TrackScriptConfig(name: "chk", script: "/bin/true", weight: -20, line: 12)
        let rig = try DriverRig(trackScripts: [script])
        rig.driver.start(at: ms(0))
        var next = rig.driver.config
        next.trackScripts[0].line = 14
        next.priority = 90
        XCTAssertEqual(rig.driver.config.restartOnlyChanges(to: next), [])
        XCTAssertTrue(rig.driver.reconfigure(next, at: ms(1000)))
        XCTAssertEqual(rig.driver.router.settings.priority, 90)
    }
}
