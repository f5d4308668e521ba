import XCTest

@testable import ScriptRunner

final class ScriptEnvironmentTests: XCTestCase {
    func testMinimalPathAndCallerVariablesSorted() {
        XCTAssertEqual(ScriptEnvironment.build([:]), ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"])
        XCTAssertEqual(
            ScriptEnvironment.build(["VRRP_NAME": "VI_1", "A": "1"]),
            ["A=1", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "VRRP_NAME=VI_1"])
    }

    func testCallerMayReplacePath() {
        XCTAssertEqual(ScriptEnvironment.build(["PATH": "/usr/bin:/bin"]), ["PATH=/usr/bin:/bin"])
    }

    func testMalformedVariablesAreDropped() {
        XCTAssertEqual(
            ScriptEnvironment.build(["A=B": "x", "": "y", "C": "nul\0here", "D": "ok"]),
            ["D=ok", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"])
    }
}
