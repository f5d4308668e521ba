import Foundation
import Privileges
import XCTest

final class ProcessPrivilegesTests: XCTestCase {
    static let dropped = """
        Name:\tpgfloat
        Umask:\t0022
        State:\tS (sleeping)
        Uid:\t65534\t65534\t65534\t65534
        Gid:\t65534\t65534\t65534\t65534
        Groups:\t65534 
        CapInh:\t0000000000000000
        CapPrm:\t0000000000003400
        CapEff:\t0000000000003400
        CapBnd:\t0000000000003400
        CapAmb:\t0000000000000000
        NoNewPrivs:\t0
        """

    func testParsesProcStatus() throws {
        let parsed = try XCTUnwrap(ProcessPrivileges(procStatus: Self.dropped))
        XCTAssertEqual(parsed.uids, .init(all: 65534))
        XCTAssertEqual(parsed.gids, .init(all: 65534))
        XCTAssertEqual(parsed.groups, [65534])
        XCTAssertEqual(
            parsed.capabilities,
            .init(effective: .daemon, permitted: .daemon, inheritable: .empty, bounding: .daemon, ambient: .empty))
    }

    func testMissingLinesAreNil() {
        for line in ["Uid:", "Gid:", "Groups:", "CapEff:", "CapPrm:", "CapInh:", "CapBnd:"] {
            let text = Self.dropped.split(separator: "\n").filter { !$0.hasPrefix(line) }.joined(separator: "\n")
            XCTAssertNil(ProcessPrivileges(procStatus: text), line)
        }
        // Kernels before 4.3 have no CapAmb line and no ambient set.
        let old = Self.dropped.split(separator: "\n").filter { !$0.hasPrefix("CapAmb") }.joined(separator: "\n")
        XCTAssertEqual(ProcessPrivileges(procStatus: old)?.capabilities.ambient, .empty)
    }

    /// libcap and getres[ug]id see what the kernel shows in /proc/self/status (the test changes nothing).
    func testReadMatchesProcSelfStatus() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let fromProc = try XCTUnwrap(ProcessPrivileges(procStatus: status))
        XCTAssertEqual(try ProcessPrivileges.read(), fromProc)
    }

    /// Capabilities are per thread: the drop cannot be right once other threads exist, so it does nothing then.
    func testRefusesOnceThreadsExist() throws {
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let thread = Thread {
            started.signal()
            _ = release.wait(timeout: .now() + 30)
        }
        thread.start()
        defer { release.signal() }
        XCTAssertEqual(started.wait(timeout: .now() + 10), .success)
        let before = try ProcessPrivileges.read()
        XCTAssertThrowsError(try Privileges.drop(user: "nobody", group: nil)) { error in
            XCTAssertTrue("\(error)".contains("before any thread starts"), "\(error)")
        }
        XCTAssertEqual(try ProcessPrivileges.read(), before)
    }
}
