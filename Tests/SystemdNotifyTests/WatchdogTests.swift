import SystemdNotify
import XCTest

final class WatchdogSettingsTests: XCTestCase {
    func testReadsTheIntervalForThisProcess() throws {
        let settings = try XCTUnwrap(WatchdogSettings(environment: ["WATCHDOG_USEC": "10000000"], pid: 42))
        XCTAssertEqual(settings.interval, .seconds(10))
        XCTAssertEqual(settings.pingPeriod, .seconds(5))
        XCTAssertNotNil(WatchdogSettings(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "42"], pid: 42))
    }

    func testNoWatchdog() {
        XCTAssertNil(WatchdogSettings(environment: [:], pid: 42))
        // Meant for the process that started us, not for us.
        XCTAssertNil(WatchdogSettings(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "41"], pid: 42))
        for value in ["0", "-5", "ten", "", "99999999999999999999"] {
            XCTAssertNil(WatchdogSettings(environment: ["WATCHDOG_USEC": value], pid: 42), value)
        }
    }
}

final class WatchdogGateTests: XCTestCase {
    let parts = ["data plane", "health checks", "admin", "vrrp"]

    func testPingsWhenEveryPartAnswered() {
        var gate = WatchdogGate(parts: parts)
        XCTAssertEqual(gate.start(), parts)
        for part in parts { gate.answer(part) }
        XCTAssertEqual(gate.tick(), .init(ping: true, silent: [], ask: parts))
        // A new round: answers from the previous one do not count again.
        XCTAssertEqual(gate.tick(), .init(ping: false, silent: parts, ask: []))
    }

    func testAStuckPartStopsThePingsAndIsNotAskedAgain() {
        var gate = WatchdogGate(parts: parts)
        _ = gate.start()
        for part in parts where part != "data plane" { gate.answer(part) }
        XCTAssertEqual(gate.tick(), .init(ping: false, silent: ["data plane"], ask: ["health checks", "admin", "vrrp"]))
        for part in parts where part != "data plane" { gate.answer(part) }
        XCTAssertEqual(gate.tick(), .init(ping: false, silent: ["data plane"], ask: ["health checks", "admin", "vrrp"]))
        // It comes back: the next tick pings and it is asked again.
        for part in parts { gate.answer(part) }
        XCTAssertEqual(gate.tick(), .init(ping: true, silent: [], ask: parts))
    }

    func testNoPingBeforeTheFirstAnswers() {
        var gate = WatchdogGate(parts: ["data plane"])
        _ = gate.start()
        XCTAssertEqual(gate.tick(), .init(ping: false, silent: ["data plane"], ask: []))
    }

    func testUnknownPartsAreIgnored() {
        var gate = WatchdogGate(parts: ["admin"])
        _ = gate.start()
        gate.answer("something else")
        XCTAssertFalse(gate.tick().ping)
    }
}
