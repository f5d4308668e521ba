import ConfigModel
import VRRPCore
@testable import VRRPService
import XCTest

/// keepalived holds an instance until each weight-0 track script has a first result: a check nobody has run yet
/// must not let the node take the VIP.
final class InstanceDriverScriptHoldTests: XCTestCase {
    private let faulting = TrackScriptConfig(name: "chk_pg", script: "/usr/local/bin/chk_pg", weight: 0)
    private let weighted = TrackScriptConfig(name: "chk_load", script: "/usr/local/bin/chk_load", weight: -20)

    func testAWeightZeroScriptWithoutAResultHoldsTheInstanceOutOfMaster() throws {
        let rig = try DriverRig(trackScripts: [faulting])
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(10_000))
        XCTAssertNotEqual(rig.driver.router.state, .master, "no takeover before the script has reported")
        XCTAssertTrue(rig.addresses.present.isEmpty)
        XCTAssertTrue(rig.channel.sent.isEmpty, "a held instance does not advertise")

        rig.driver.track(TrackedState(scripts: ["chk_pg": ScriptEffect(adjustment: 0, fault: false)]), at: ms(10_000))
        XCTAssertEqual(rig.driver.router.state, .backup)
        rig.driver.tick(at: ms(13_700))
        XCTAssertEqual(rig.driver.router.state, .master, "the election runs once the script passed")
    }

    func testAnAddressOwnerDoesNotTakeOverAndResignAtStart() throws {
        let rig = try DriverRig(priority: 255, trackScripts: [faulting])
        rig.driver.start(at: ms(0))
        XCTAssertEqual(rig.driver.router.state, .fault)
        XCTAssertTrue(rig.channel.sent.isEmpty, "neither an advert nor a priority-0 resignation")
        XCTAssertTrue(rig.announcer.announced.isEmpty)
    }

    func testAWeightedScriptWithoutAResultHoldsNothing() throws {
        let rig = try DriverRig(trackScripts: [weighted])
        rig.driver.start(at: ms(0))
        rig.driver.tick(at: ms(3700))
        XCTAssertEqual(rig.driver.router.state, .master, "keepalived counts only weight-0 scripts as held")
    }
}
