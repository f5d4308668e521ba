import Foundation
import Glibc
import XCTest

@testable import ScriptRunner

/// Running as `script_user`: an existing unprivileged user (`nobody`), never a made-up one.
final class ScriptUserTests: XCTestCase {
    private var folder: ScriptFolder!

    override func setUpWithError() throws {
        folder = try ScriptFolder()
    }

    override func tearDown() {
        folder = nil
    }

    func testResolveNobody() throws {
        let nobody = try ScriptUser.resolve(name: "nobody")
        XCTAssertEqual(nobody.uid, 65534)
        XCTAssertNotEqual(nobody.uid, 0)
        XCTAssertTrue(nobody.groups.contains(nobody.gid), "getgrouplist includes the primary group")
        XCTAssertEqual(try ScriptUser.resolve(name: "nobody", group: "root").gid, 0)
    }

    func testUnknownNames() {
        XCTAssertThrowsError(try ScriptUser.resolve(name: "pgfloat-no-such-user")) {
            XCTAssertEqual("\($0)", #"no user named "pgfloat-no-such-user""#)
        }
        XCTAssertThrowsError(try ScriptUser.resolve(name: "nobody", group: "pgfloat-no-such-group")) {
            XCTAssertEqual("\($0)", #"no group named "pgfloat-no-such-group""#)
        }
    }

    func testScriptRunsAsTheScriptUser() throws {
        guard geteuid() == 0 else { throw XCTSkip("switching users needs root") }
        let nobody = try ScriptUser.resolve(name: "nobody")
        let path = try folder.script("whoami.sh", "id -u\nid -g\nid -G\n[ -z \"$HOME\" ] || echo home")
        let launcher = ScriptLauncher(policy: ScriptPolicy(user: nobody))
        let result = Collected<ScriptResult>()
        launcher.run(try ScriptCommand(arguments: [path]), timeout: .seconds(5)) { result.append($0) }
        XCTAssertTrue(waitUntil(timeout: .seconds(10)) { !result.values.isEmpty })
        let run = try XCTUnwrap(result.values.first)
        XCTAssertEqual(run.termination, .exited(0), run.summary + " " + run.stderrText)
        let groups = nobody.groups.map(String.init).joined(separator: " ")
        XCTAssertEqual(run.stdoutText, "\(nobody.uid)\n\(nobody.gid)\n\(groups)\n")
    }

    func testScriptUserCannotWriteWhatOnlyRootMay() throws {
        guard geteuid() == 0 else { throw XCTSkip("switching users needs root") }
        let nobody = try ScriptUser.resolve(name: "nobody")
        // The folder is root's 0755: root could create the file, nobody cannot.
        let target = folder.path("written")
        let path = try folder.script("write.sh", "echo x > \(target)")
        let launcher = ScriptLauncher(policy: ScriptPolicy(user: nobody))
        let result = Collected<ScriptResult>()
        launcher.run(try ScriptCommand(arguments: [path]), timeout: .seconds(5)) { result.append($0) }
        XCTAssertTrue(waitUntil(timeout: .seconds(10)) { !result.values.isEmpty })
        XCTAssertNotEqual(result.values.first?.termination, .exited(0))
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
    }

    func testScriptNotExecutableByTheScriptUserIsRefused() throws {
        guard geteuid() == 0 else { throw XCTSkip("the files must be root's for only the execute bit to matter") }
        let nobody = ScriptUser(name: "nobody", uid: 65534, gid: 65534, groups: [65534])
        let path = try folder.script("private.sh", "exit 0", mode: 0o700)
        XCTAssertEqual(ScriptSecurity.check(path, user: nobody), .notExecutable(path: path, user: nobody))
    }
}
