import Privileges
import ScriptRunner
import XCTest

final class PrivilegePlanTests: XCTestCase {
    let pgfloat = ScriptUser(name: "pgfloat", uid: 998, gid: 997, groups: [997, 120])
    /// Every capability of a 41-capability kernel.
    let all = CapabilitySet(bits: 0x1ff_ffff_ffff)

    var root: ProcessPrivileges {
        ProcessPrivileges(
            uids: .init(all: 0), gids: .init(all: 0), groups: [0],
            capabilities: .init(effective: all, permitted: all, inheritable: .empty, bounding: all, ambient: .empty))
    }

    /// systemd's `User=pgfloat` with `AmbientCapabilities=` and `CapabilityBoundingSet=` of the three, plus one
    /// that a careless unit added.
    var systemdUser: ProcessPrivileges {
        let granted = CapabilitySet.daemon.union([Capability(1)])
        return ProcessPrivileges(
            uids: .init(all: 998), gids: .init(all: 997), groups: [],
            capabilities: .init(
                effective: granted, permitted: granted, inheritable: granted, bounding: granted, ambient: granted))
    }

    func testChoosesFromUidAndUser() throws {
        XCTAssertEqual(try PrivilegePlan.choose(euid: 0, user: nil), .stayRoot)
        XCTAssertEqual(try PrivilegePlan.choose(euid: 0, user: pgfloat), .switchUser(pgfloat))
        XCTAssertEqual(try PrivilegePlan.choose(euid: 998, user: nil), .narrow)
        XCTAssertEqual(try PrivilegePlan.choose(euid: 998, user: pgfloat), .narrow)
    }

    func testRefusesWhatCannotBeDone() {
        XCTAssertThrowsError(try PrivilegePlan.choose(euid: 1000, user: pgfloat)) { error in
            XCTAssertEqual(
                "\(error)",
                #"running as uid 1000, not root: cannot switch to user "pgfloat" (uid 998); start as root or as "#
                    + "that user")
        }
        XCTAssertThrowsError(try PrivilegePlan.choose(euid: 0, user: .root)) { error in
            XCTAssertTrue("\(error)".contains("uid 0"), "\(error)")
        }
    }

    func testRootSwitchingKeepsTheThreeEverywhere() {
        let target = PrivilegeTarget(plan: .switchUser(pgfloat), before: root, wanted: .daemon)
        XCTAssertEqual(target.kept, .daemon)
        XCTAssertEqual(target.bounding, .daemon)
        XCTAssertEqual(target.effective(before: root), .daemon)
        XCTAssertEqual(target.boundingToDrop(from: all).count, 38)
        XCTAssertFalse(target.boundingToDrop(from: all).contains(.netRaw))

        let dropped = ProcessPrivileges(
            uids: .init(all: 998), gids: .init(all: 997), groups: [997, 120],
            capabilities: .init(effective: .daemon, permitted: .daemon, bounding: .daemon))
        XCTAssertEqual(target.problems(in: dropped, before: root), [])
    }

    func testContainerWithoutACapabilityKeepsWhatItHas() {
        var limited = root
        limited.capabilities.permitted = all.subtracting([.netAdmin])
        limited.capabilities.bounding = limited.capabilities.permitted
        let target = PrivilegeTarget(plan: .switchUser(pgfloat), before: limited, wanted: .daemon)
        XCTAssertEqual(target.kept, [.netRaw, .netBindService])
        XCTAssertEqual(target.bounding, [.netRaw, .netBindService])
    }

    func testEveryDifferenceIsAProblem() {
        let target = PrivilegeTarget(plan: .switchUser(pgfloat), before: root, wanted: .daemon)
        let wrong = ProcessPrivileges(
            uids: .init(real: 998, effective: 998, saved: 0), gids: .init(all: 0), groups: [0],
            capabilities: .init(
                effective: .daemon, permitted: all, inheritable: [.netRaw], bounding: all, ambient: [.netRaw]))
        XCTAssertEqual(target.problems(in: wrong, before: root), [
            "permitted capabilities are \(all), expected cap_net_bind_service,cap_net_admin,cap_net_raw",
            "inheritable capabilities are cap_net_raw, expected none",
            "ambient capabilities are cap_net_raw, expected none",
            "bounding capabilities are \(all), expected cap_net_bind_service,cap_net_admin,cap_net_raw",
            "user ids are 998/998/0, expected 998 for real, effective and saved",
            "group ids are 0/0/0, expected 997 for real, effective and saved",
            "supplementary groups are [0], expected [120, 997]",
        ])
    }

    /// systemd already made the process the user: ambient and inheritable go, the extra capability goes, and the
    /// bounding set stays as systemd set it (no CAP_SETPCAP to change it).
    func testNarrowingUnderSystemd() {
        let target = PrivilegeTarget(plan: .narrow, before: systemdUser, wanted: .daemon)
        XCTAssertEqual(target.kept, .daemon)
        XCTAssertNil(target.bounding)
        XCTAssertEqual(target.boundingToDrop(from: systemdUser.capabilities.bounding), [])

        var after = systemdUser
        after.capabilities = .init(effective: .daemon, permitted: .daemon, bounding: systemdUser.capabilities.bounding)
        XCTAssertEqual(target.problems(in: after, before: systemdUser), [])
        after.uids = .init(all: 0)
        XCTAssertEqual(target.problems(in: after, before: systemdUser), [
            "user or group ids changed without a user to switch to"
        ])
    }

    func testNarrowingWithSetpcapAlsoShrinksTheBoundingSet() {
        var before = systemdUser
        before.capabilities.effective.insert(.setpcap)
        before.capabilities.permitted.insert(.setpcap)
        before.capabilities.bounding = all
        let target = PrivilegeTarget(plan: .narrow, before: before, wanted: .daemon)
        XCTAssertEqual(target.kept, .daemon)
        XCTAssertEqual(target.bounding, .daemon)
    }

    func testStayingRootOnlyEmptiesWhatScriptsInherit() {
        var before = root
        before.capabilities.inheritable = [.netRaw]
        before.capabilities.ambient = [.netRaw]
        let target = PrivilegeTarget(plan: .stayRoot, before: before, wanted: .daemon)
        XCTAssertEqual(target.kept, all)
        XCTAssertEqual(target.effective(before: before), all)
        XCTAssertNil(target.bounding)
        XCTAssertEqual(target.problems(in: root, before: before), [])
        XCTAssertEqual(target.problems(in: before, before: before), [
            "inheritable capabilities are cap_net_raw, expected none",
            "ambient capabilities are cap_net_raw, expected none",
        ])
    }
}
