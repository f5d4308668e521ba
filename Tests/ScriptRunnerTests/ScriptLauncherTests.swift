import Foundation
import Glibc
import XCTest

@testable import ScriptRunner

/// Real scripts through the launcher: arguments, environment, output, timeouts, kills.
final class ScriptLauncherTests: ScriptFolderTestCase {
    /// Runs `command` and waits (bounded) for the result.
    private func run(
        _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(5),
        launcher: ScriptLauncher? = nil
    ) throws -> ScriptResult {
        let result = Collected<ScriptResult>()
        (launcher ?? self.launcher).run(
            try ScriptCommand(arguments: arguments), environment: environment, timeout: timeout
        ) {
            result.append($0)
        }
        XCTAssertTrue(waitUntil(timeout: timeout + .seconds(5)) { !result.values.isEmpty })
        return try XCTUnwrap(result.values.first)
    }

    func testArgumentsEnvironmentAndOutput() throws {
        let path = try folder.script(
            "args.sh",
            """
            [ "$PATH" = /usr/sbin:/usr/bin:/sbin:/bin ] || exit 4
            [ "$PGFLOAT_INSTANCE" = VI_1 ] || exit 5
            [ -z "$HOME" ] || exit 6
            echo "$1|$2"
            echo oops >&2
            cat  # stdin is /dev/null, so this returns at once
            exit 3
            """)
        let result = try run([path, "a b", "c"], environment: ["PGFLOAT_INSTANCE": "VI_1"])
        XCTAssertEqual(result.termination, .exited(3), result.stderrText)
        XCTAssertEqual(result.stdoutText, "a b|c\n")
        XCTAssertEqual(result.stderrText, "oops\n")
    }

    func testHangingScriptAndItsChildrenAreKilledAtTheTimeout() throws {
        let path = try folder.script("hang.sh", "sleep 30 &\nsleep 30\necho never")
        let started = ContinuousClock.now
        let result = try run([path], timeout: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        XCTAssertEqual(result.termination, .timedOut)
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(300))
        XCTAssertLessThan(elapsed, .seconds(2), "the background sleep must die with the group, not hold the pipes")
    }

    func testOutputIsCappedAndDoesNotBlockTheScript() throws {
        let path = try folder.script("chatty.sh", "head -c 1048576 /dev/zero\nhead -c 100000 /dev/zero >&2\nexit 0")
        let result = try run([path])
        XCTAssertEqual(result.termination, .exited(0))
        XCTAssertEqual(result.stdout.count, ScriptProcess.outputLimit)
        XCTAssertEqual(result.stderr.count, ScriptProcess.outputLimit)
    }

    func testMissingProgramIsNotStarted() throws {
        let path = folder.path("absent.sh")
        let unchecked = ScriptLauncher(policy: ScriptPolicy(enforcesSecurity: false))
        XCTAssertEqual(
            try run([path], launcher: unchecked).termination,
            .notStarted("cannot run \(path): No such file or directory"))
        // With the security check on, the check says so first.
        XCTAssertEqual(
            try run([path]).termination, .notStarted("refused: cannot check \(path): No such file or directory"))
    }

    func testKillEndsARunningScript() throws {
        let path = try folder.script("long.sh", "sleep 30")
        let result = Collected<ScriptResult>()
        let handle = launcher.run(try ScriptCommand(arguments: [path]), timeout: .seconds(30)) { result.append($0) }
        Thread.sleep(forTimeInterval: 0.2)
        let started = ContinuousClock.now
        handle.kill()
        XCTAssertTrue(waitUntil(timeout: .seconds(5)) { !result.values.isEmpty })
        XCTAssertEqual(result.values.first?.termination, .signaled(SIGKILL))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
        handle.kill()  // after the end: nothing to do, and no signal to a recycled pid
    }

    func testDescriptorsAreNotInherited() throws {
        // Opened without close-on-exec, as a careless library might: the script must still not get it.
        let opened = open("/dev/null", O_RDONLY)
        XCTAssertGreaterThan(opened, 2)
        let leaked = dup2(opened, 77)
        close(opened)
        XCTAssertEqual(leaked, 77)
        defer { close(leaked) }
        let path = try folder.script("fds.sh", "ls /proc/$$/fd")
        let result = try run([path])
        XCTAssertEqual(result.termination, .exited(0))
        // dash keeps the script it reads open on fd 10 (bash on 255); anything else came from the daemon.
        let descriptors = Set(result.stdoutText.split(separator: "\n").map(String.init)).subtracting(["10", "255"])
        XCTAssertEqual(descriptors, ["0", "1", "2"], result.stdoutText)
    }

    func testCommandLineAsConfigured() throws {
        let path = try folder.script("echo.sh", #"printf '%s\n' "$@""#)
        let result = Collected<ScriptResult>()
        launcher.run(try ScriptCommand(parsing: "\(path)  master \"two words\""), timeout: .seconds(5)) {
            result.append($0)
        }
        XCTAssertTrue(waitUntil(timeout: .seconds(5)) { !result.values.isEmpty })
        XCTAssertEqual(result.values.first?.stdoutText, "master\ntwo words\n")
    }

    func testWaitStatusDecoding() {
        XCTAssertEqual(ScriptProcess.termination(0), .exited(0))
        XCTAssertEqual(ScriptProcess.termination(3 << 8), .exited(3))
        XCTAssertEqual(ScriptProcess.termination(9), .signaled(9))
        XCTAssertEqual(ScriptProcess.termination(0x80 | 11), .signaled(11))  // core dumped
    }
}
