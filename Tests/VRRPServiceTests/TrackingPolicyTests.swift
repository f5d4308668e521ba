import ConfigModel
@testable import VRRPService
import XCTest

final class TrackingPolicyTests: XCTestCase {
    private let policy = TrackingPolicy(proxy: .fault, backends: -20, interfaces: ["eth0", "eth1"])

    func testAllWellMeansNoFaultAndNoAdjustment() {
        XCTAssertEqual(policy.evaluate(TrackedState()), TrackingVerdict())
    }

    func testAProxyProblemIsAFaultByDefaultOrAWeightWhenAsked() {
        XCTAssertEqual(
            policy.evaluate(TrackedState(proxyProblem: "data plane has not answered for 900 ms")).faultReasons,
            ["proxy: data plane has not answered for 900 ms"])
        var weighted = policy
        weighted.proxy = .weight(-50)
        let verdict = weighted.evaluate(TrackedState(proxyProblem: "x"))
        XCTAssertFalse(verdict.isFault)
        XCTAssertEqual(verdict.adjustment, -50)
        weighted.proxy = .off
        XCTAssertEqual(weighted.evaluate(TrackedState(proxyProblem: "x")), TrackingVerdict())
    }

    func testUnreachableBackendsLowerThePriority() {
        let verdict = policy.evaluate(TrackedState(backendsReachable: false))
        XCTAssertEqual(verdict.adjustment, -20)
        XCTAssertEqual(verdict.adjustmentReasons, ["track_backends -20: no database server reachable"])
    }

    func testATrackedInterfaceDownIsAFault() {
        XCTAssertEqual(policy.evaluate(TrackedState(interfacesDown: ["eth1"])).faultReasons, ["interface eth1 down"])
        XCTAssertFalse(policy.evaluate(TrackedState(interfacesDown: ["eth9"])).isFault, "eth9 is not tracked")
    }

    func testScriptEffectsAddUpAndAFaultingScriptFaults() {
        let state = TrackedState(
            backendsReachable: false,
            scripts: ["a": ScriptEffect(adjustment: -15, fault: false), "b": ScriptEffect(adjustment: 5, fault: false),
                      "c": ScriptEffect(adjustment: 0, fault: true)])
        let verdict = policy.evaluate(state)
        XCTAssertEqual(verdict.faultReasons, ["track_script c failing"])
        XCTAssertEqual(verdict.adjustment, -30)
    }

    /// keepalived holds an instance until each weight-0 script has a first result; weighted ones hold nothing.
    func testAFaultingScriptWithoutAResultHoldsTheInstanceInFault() {
        var held = policy
        held.faultingScripts = ["chk_pg"]
        XCTAssertEqual(held.evaluate(TrackedState()).faultReasons, ["track_script chk_pg has no result yet"])
        let passed = TrackedState(scripts: ["chk_pg": ScriptEffect(adjustment: 0, fault: false)])
        XCTAssertFalse(held.evaluate(passed).isFault)
    }

    func testOnlyWeightZeroScriptsAreHeld() {
        let config = VRRPConfig(
            name: "VI_1", interface: "eth0", virtualRouterID: 51, virtualAddresses: [],
            trackScripts: [
                TrackScriptConfig(name: "a", script: "/bin/true", weight: 0),
                TrackScriptConfig(name: "b", script: "/bin/true", weight: -10),
            ])
        XCTAssertEqual(TrackingPolicy(config: config).faultingScripts, ["a"])
    }
}
