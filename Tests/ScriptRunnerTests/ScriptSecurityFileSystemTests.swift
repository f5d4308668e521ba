import Foundation
import Glibc
import XCTest

@testable import ScriptRunner

/// The security check on real files, and the launcher refusing what it finds.
final class ScriptSecurityFileSystemTests: XCTestCase {
    private var folder: ScriptFolder!
    private let launcher = ScriptLauncher(policy: ScriptPolicy(user: nil, enforcesSecurity: true))

    override func setUpWithError() throws {
        folder = try ScriptFolder()
    }

    override func tearDown() {
        folder = nil
    }

    private func run(_ path: String) throws -> ScriptResult {
        let result = Collected<ScriptResult>()
        launcher.run(try ScriptCommand(arguments: [path]), timeout: .seconds(5)) { result.append($0) }
        XCTAssertTrue(waitUntil(timeout: .seconds(5)) { !result.values.isEmpty })
        return try XCTUnwrap(result.values.first)
    }

    func testSafeScriptRuns() throws {
        let path = try folder.script("safe.sh", "echo ran")
        XCTAssertNil(ScriptSecurity.check(path, user: .current))
        let result = try run(path)
        XCTAssertEqual(result.termination, .exited(0), result.summary)
        XCTAssertEqual(result.stdoutText, "ran\n")
    }

    func testWorldWritableScriptIsRefusedAndNotRun() throws {
        let path = try folder.script("open.sh", "touch \(folder.path("ran"))", mode: 0o777)
        let result = try run(path)
        XCTAssertEqual(
            result.termination,
            .notStarted("refused: \(path) is writable by everyone (mode 0777); remove it (chmod o-w)"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path("ran")), "a refused script must not run")
    }

    func testScriptInAWritableDirectoryIsRefused() throws {
        let path = try folder.script("notify.sh", "touch \(folder.path("ran"))")
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.url.path)
        XCTAssertEqual(
            ScriptSecurity.check(path, user: .current),
            .worldWritable(path: folder.url.path, permissions: 0o777))
        guard case .notStarted(let reason) = try run(path).termination else { return XCTFail("it ran") }
        XCTAssertTrue(reason.hasPrefix("refused: \(folder.url.path) is writable by everyone"), reason)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path("ran")))
    }

    func testSymbolicLinkIsCheckedWhereItPoints() throws {
        let unsafe = folder.path("unsafe")
        try FileManager.default.createDirectory(atPath: unsafe, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: unsafe)
        try "#!/bin/sh\n".write(toFile: unsafe + "/real.sh", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: unsafe + "/real.sh")
        try FileManager.default.createSymbolicLink(
            atPath: folder.path("link.sh"), withDestinationPath: unsafe + "/real.sh")
        XCTAssertEqual(
            ScriptSecurity.check(folder.path("link.sh"), user: .current),
            .worldWritable(path: unsafe, permissions: 0o777))
    }

    func testMissingScript() throws {
        let path = folder.path("absent.sh")
        XCTAssertEqual(
            ScriptSecurity.check(path, user: .current), .inaccessible(path: path, reason: "No such file or directory"))
    }
}
