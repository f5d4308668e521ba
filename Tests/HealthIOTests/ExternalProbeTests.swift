import ConfigModel
import Foundation
import HealthCore
import NIOCore
import NIOPosix
import XCTest

@testable import HealthIO

/// The external probe running real scripts from a temporary folder.
final class ExternalProbeTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var folder: URL!
    private let server = ServerConfig(name: "db1", address: .init(host: "127.0.0.1", port: 5433))

    override func setUpWithError() throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgfloat-external-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
        try group.syncShutdownGracefully()
    }

    /// Writes an executable `sh` script and returns its path.
    private func script(_ name: String, _ body: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try ("#!/bin/sh\n" + body + "\n").write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    private func probe(_ command: String, timeout: Duration = .seconds(5)) -> ExternalProbe {
        ExternalProbe(
            server: server, port: server.address.port,
            settings: CheckSettings(type: .external, timeout: timeout, command: command), eventLoop: group.next())
    }

    func testExitZeroWithRoleAndEnvironment() throws {
        let path = try script(
            "replica.sh",
            """
            [ "$PGFLOAT_SERVER_NAME" = db1 ] && [ "$PGFLOAT_SERVER_ADDR" = 127.0.0.1 ] || exit 3
            [ "$PGFLOAT_SERVER_PORT" = 5433 ] && [ "$PATH" = /usr/bin:/bin ] || exit 4
            [ "$1" = --fast ] || exit 5
            cat  # stdin is /dev/null, so this returns at once
            echo "checked"
            echo "role=replica"
            """)
        let outcome = try probe("\(path)  --fast").check().wait()
        XCTAssertEqual(outcome.reachable, true, outcome.error ?? "")
        XCTAssertEqual(outcome.role, .replica)
    }

    func testExitOneReportsStderr() throws {
        let path = try script("fail.sh", "echo 'replica is 3 GB behind' >&2\nexit 1")
        let outcome = try probe(path).check().wait()
        XCTAssertEqual(outcome.reachable, false)
        XCTAssertEqual(outcome.error, "exit status 1: replica is 3 GB behind")
    }

    func testSlowScriptIsKilledAtTheTimeout() throws {
        let path = try script("slow.sh", "sleep 10\necho role=primary")
        let started = NIODeadline.now()
        let outcome = try probe(path, timeout: .milliseconds(300)).check().wait()
        let elapsed = NIODeadline.now() - started
        XCTAssertEqual(outcome.error, "timed out after 300ms, killed")
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(300))
        XCTAssertLessThan(elapsed, .seconds(1), "the script's sleep must die with it, not hold the pipes")
    }

    func testShutdownKillsARunningScript() throws {
        let path = try script("hang.sh", "sleep 10")
        let probe = probe(path, timeout: .seconds(20))
        let check = probe.check()
        Thread.sleep(forTimeInterval: 0.2)
        let started = NIODeadline.now()
        try probe.shutdown().wait()
        let outcome = try check.wait()
        XCTAssertEqual(outcome.error, "killed by signal 9")
        XCTAssertLessThan(NIODeadline.now() - started, .seconds(1))
        XCTAssertEqual(try probe.check().wait().error, "probe is shut down")
    }

    func testMissingExecutable() throws {
        let outcome = try probe(folder.appendingPathComponent("absent.sh").path).check().wait()
        XCTAssertEqual(outcome.reachable, false)
        XCTAssertTrue(outcome.error?.hasPrefix("cannot run ") == true, outcome.error ?? "")
        XCTAssertTrue(outcome.error?.hasSuffix("No such file or directory") == true, outcome.error ?? "")
    }

    func testLargeOutputDoesNotBlockTheScript() throws {
        // 1 MiB on stdout would fill a pipe nobody reads; only the first 4 KiB is kept.
        let path = try script("chatty.sh", "echo role=primary\nhead -c 1048576 /dev/zero\nexit 0")
        let outcome = try probe(path).check().wait()
        XCTAssertEqual(outcome.reachable, true, outcome.error ?? "")
        XCTAssertEqual(outcome.role, .primary)
    }

    func testNoCommand() throws {
        XCTAssertEqual(try probe("").check().wait().error, "no command configured")
    }
}
