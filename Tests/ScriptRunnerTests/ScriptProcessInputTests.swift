import Dispatch
import Foundation
import Glibc
import MonotonicTime
import XCTest

@testable import ScriptRunner

/// Input on stdin, as the configuration parser's child gets the file's text: all of it arrives, followed by end of
/// file, and a child that will not take it costs neither the deadline nor a SIGPIPE.
final class ScriptProcessInputTests: ScriptFolderTestCase {
    private func run(
        _ body: String, input: [UInt8]?, outputLimit: Int = ScriptProcess.outputLimit,
        timeout: Duration = .seconds(5)
    ) throws -> ScriptResult {
        let path = try folder.script("child-\(UUID()).sh", body)
        let process = try ScriptProcess.spawn(
            ScriptCommand(arguments: [path]), environment: ScriptEnvironment.build([:]), input: input,
            outputLimit: outputLimit
        ).get()
        return process.wait(until: ScriptClock.now() + timeout)
    }

    func testLargeInputArrivesWholeThenEndOfFile() throws {
        // Larger than a socket buffer, so it is sent in pieces while the child's output is read.
        let input = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let result = try run("cat", input: input, outputLimit: 4_000_000)
        XCTAssertEqual(result.termination, .exited(0), result.stderrText)
        XCTAssertEqual(result.stdout, input)
    }

    func testEmptyInputIsAnImmediateEndOfFile() throws {
        let result = try run("wc -c", input: [])
        XCTAssertEqual(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "0")
    }

    func testWithoutInputStdinIsDevNull() throws {
        XCTAssertEqual(try run("readlink /proc/self/fd/0", input: nil).stdoutText, "/dev/null\n")
    }

    func testChildThatClosesStdinEarlyEndsTheSendingQuietly() throws {
        let input = [UInt8](repeating: 0x61, count: 2_000_000)
        let result = try run("exec 0<&-\necho done", input: input)
        XCTAssertEqual(result.termination, .exited(0))
        XCTAssertEqual(result.stdoutText, "done\n")
    }

    func testChildThatNeverReadsIsKilledAtItsDeadline() throws {
        let input = [UInt8](repeating: 0x61, count: 2_000_000)
        let started = ContinuousClock.now
        let result = try run("sleep 30", input: input, timeout: .milliseconds(300))
        XCTAssertEqual(result.termination, .timedOut)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
    }
}
