import XCTest

@testable import ScriptRunner

/// keepalived's argument convention, as pure functions.
final class NotifyHooksTests: XCTestCase {
    private func command(_ line: String) -> ScriptCommand { try! ScriptCommand(parsing: line) }

    func testGenericNotifyGetsInstanceStateAndPriority() {
        XCTAssertEqual(
            NotifyHooks.genericArguments(
                command("/etc/pgfloat/notify.sh -v"), instance: "VI_1", state: .master, priority: 150
            )
            .arguments,
            ["/etc/pgfloat/notify.sh", "-v", "INSTANCE", "VI_1", "MASTER", "150"])
    }

    func testSpecificHookRunsAsGivenThenGeneric() {
        let hooks = NotifyHooks(
            master: command("/bin/master.sh up"), backup: command("/bin/backup.sh"), fault: nil,
            stop: command("/bin/stop.sh"), generic: command("/bin/notify.sh"))
        XCTAssertEqual(
            hooks.commands(instance: "VI_1", state: .master, priority: 100).map(\.arguments),
            [["/bin/master.sh", "up"], ["/bin/notify.sh", "INSTANCE", "VI_1", "MASTER", "100"]])
        XCTAssertEqual(
            hooks.commands(instance: "VI_1", state: .fault, priority: 0).map(\.arguments),
            [["/bin/notify.sh", "INSTANCE", "VI_1", "FAULT", "0"]], "no notify_fault: only the generic hook")
        XCTAssertEqual(
            hooks.commands(instance: "db", state: .stop, priority: 90).map(\.arguments),
            [["/bin/stop.sh"], ["/bin/notify.sh", "INSTANCE", "db", "STOP", "90"]])
        XCTAssertEqual(NotifyHooks().commands(instance: "VI_1", state: .backup, priority: 1), [])
        XCTAssertEqual(
            NotifyHooks(backup: command("/bin/b")).commands(instance: "x", state: .backup, priority: 1).count, 1)
    }

    func testStateSpelling() {
        XCTAssertEqual(NotifyState.allCases.map(\.rawValue), ["MASTER", "BACKUP", "FAULT", "STOP"])
    }
}
