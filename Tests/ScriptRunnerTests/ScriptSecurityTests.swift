import XCTest

@testable import ScriptRunner

/// The rule over made-up `stat` results.
final class ScriptSecurityTests: XCTestCase {
    private let directory: UInt32 = 0o040000
    private let file: UInt32 = 0o100000
    private let nobody = ScriptUser(name: "nobody", uid: 65534, gid: 65534, groups: [65534])

    /// A tree where everything is root's and 0755 unless `overrides` says otherwise.
    private func check(
        path: String = "/etc/pgfloat/notify.sh", user: ScriptUser = .root, _ overrides: [String: FileFacts] = [:]
    ) -> ScriptSecurityProblem? {
        ScriptSecurity.problem(path: path, user: user) { component in
            if let facts = overrides[component] { return .success(facts) }
            if component == "/missing" { return .failure(.inaccessible(path: component, reason: "No such file")) }
            let isScript = component == path
            return .success(FileFacts(uid: 0, gid: 0, mode: (isScript ? file : directory) | 0o755))
        }
    }

    func testRootOwnedTreeIsSafe() {
        XCTAssertNil(check())
        XCTAssertNil(check(user: nobody))
    }

    func testPrefixes() {
        XCTAssertEqual(ScriptSecurity.prefixes(of: "/a//b/x.sh"), ["/", "/a", "/a/b", "/a/b/x.sh"])
        XCTAssertEqual(ScriptSecurity.prefixes(of: "relative"), [])
    }

    func testWorldWritableScriptOrDirectoryIsRefused() {
        XCTAssertEqual(
            check(["/etc/pgfloat/notify.sh": FileFacts(uid: 0, gid: 0, mode: file | 0o777)]),
            .worldWritable(path: "/etc/pgfloat/notify.sh", permissions: 0o777))
        XCTAssertEqual(
            check(["/etc": FileFacts(uid: 0, gid: 0, mode: directory | 0o757)]),
            .worldWritable(path: "/etc", permissions: 0o757))
        XCTAssertEqual(
            check(["/etc/pgfloat/notify.sh": FileFacts(uid: 0, gid: 0, mode: file | 0o1777)]),
            .worldWritable(path: "/etc/pgfloat/notify.sh", permissions: 0o1777), "sticky does not excuse a file")
    }

    func testStickyDirectoryIsAccepted() {
        // /tmp: anyone may add entries, but only an entry's owner may rename or delete it.
        XCTAssertNil(check(path: "/tmp/x/notify.sh", ["/tmp": FileFacts(uid: 0, gid: 0, mode: directory | 0o1777)]))
    }

    func testGroupWritableOnlyForRootsGroup() {
        XCTAssertEqual(
            check(["/etc/pgfloat": FileFacts(uid: 0, gid: 1000, mode: directory | 0o775)]),
            .groupWritable(path: "/etc/pgfloat", gid: 1000, permissions: 0o775))
        XCTAssertNil(check(["/etc/pgfloat": FileFacts(uid: 0, gid: 0, mode: directory | 0o775)]))
        XCTAssertEqual(
            check(user: nobody, ["/etc/pgfloat/notify.sh": FileFacts(uid: 0, gid: 65534, mode: file | 0o775)]),
            .groupWritable(path: "/etc/pgfloat/notify.sh", gid: 65534, permissions: 0o775),
            "the script user's group may hold other users")
    }

    func testOwnerMustBeRootOrTheScriptUser() {
        let ownedByNobody = ["/etc/pgfloat": FileFacts(uid: 65534, gid: 65534, mode: directory | 0o755)]
        XCTAssertEqual(check(ownedByNobody), .foreignOwner(path: "/etc/pgfloat", uid: 65534))
        XCTAssertNil(check(user: nobody, ownedByNobody))
        XCTAssertEqual(
            check(user: nobody, ["/etc/pgfloat/notify.sh": FileFacts(uid: 1000, gid: 0, mode: file | 0o755)]),
            .foreignOwner(path: "/etc/pgfloat/notify.sh", uid: 1000))
    }

    func testExecutableForTheScriptUser() {
        let script = "/etc/pgfloat/notify.sh"
        XCTAssertNil(check([script: FileFacts(uid: 0, gid: 0, mode: file | 0o744)]), "root needs any execute bit")
        XCTAssertEqual(
            check([script: FileFacts(uid: 0, gid: 0, mode: file | 0o644)]), .notExecutable(path: script, user: .root))
        XCTAssertEqual(
            check(user: nobody, [script: FileFacts(uid: 0, gid: 0, mode: file | 0o744)]),
            .notExecutable(path: script, user: nobody))
        XCTAssertNil(check(user: nobody, [script: FileFacts(uid: 0, gid: 65534, mode: file | 0o750)]), "by group")
        XCTAssertNil(check(user: nobody, [script: FileFacts(uid: 65534, gid: 0, mode: file | 0o700)]), "by owner")
        XCTAssertEqual(
            check(user: nobody, [script: FileFacts(uid: 65534, gid: 0, mode: file | 0o070)]),
            .notExecutable(path: script, user: nobody), "the owner's bits decide for the owner")
    }

    func testNotARegularFileOrMissing() {
        XCTAssertEqual(
            check(["/etc/pgfloat/notify.sh": FileFacts(uid: 0, gid: 0, mode: directory | 0o755)]),
            .notRegularFile(path: "/etc/pgfloat/notify.sh"))
        XCTAssertEqual(
            check(path: "/missing/notify.sh"), .inaccessible(path: "/missing", reason: "No such file"))
    }

    func testDescriptionsSayWhatToFix() {
        XCTAssertEqual(
            ScriptSecurityProblem.worldWritable(path: "/x", permissions: 0o777).description,
            "/x is writable by everyone (mode 0777); remove it (chmod o-w)")
        XCTAssertEqual(
            ScriptSecurityProblem.groupWritable(path: "/d", gid: 1000, permissions: 0o2775).description,
            "/d is writable by group 1000 (mode 2775); remove group write (chmod g-w)")
        XCTAssertEqual(
            ScriptSecurityProblem.notExecutable(path: "/x", user: nobody).description,
            "/x is not executable by nobody (uid 65534), gid 65534")
    }
}
