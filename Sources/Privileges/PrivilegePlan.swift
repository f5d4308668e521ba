import ScriptRunner

/// What the privilege step does, decided from who the process is and `[global] user`. Pure.
///
/// In every case the ambient and inheritable sets end empty, so the scripts the daemon starts (notify hooks,
/// track scripts, external checks) get no capability from it, also when systemd granted ambient ones.
public enum PrivilegePlan: Hashable, Sendable {
    /// Root without `user`: root keeps its capabilities (only ambient and inheritable are cleared).
    case stayRoot
    /// Root with `user`: keep the wanted capabilities across the switch (`PR_SET_KEEPCAPS`), shrink the bounding
    /// set to them while `CAP_SETPCAP` still allows it, then take the user's groups, group and user.
    case switchUser(ScriptUser)
    /// Not root (systemd's `User=` with `AmbientCapabilities=`, or a plain user): keep at most the wanted
    /// capabilities; the bounding set shrinks too if `CAP_SETPCAP` happens to be held, otherwise it stays as the
    /// service manager set it.
    case narrow

    /// The plan for a process whose effective uid is `euid` and whose `[global] user` resolved to `user`.
    public static func choose(euid: UInt32, user: ScriptUser?) throws(PrivilegeError) -> PrivilegePlan {
        guard let user else { return euid == 0 ? .stayRoot : .narrow }
        guard !user.isRoot else {
            throw PrivilegeError("user \"\(user.name)\" is uid 0; leave [global] user unset to run as root")
        }
        if euid == 0 { return .switchUser(user) }
        // Already the user (systemd's User=): nothing to switch, only capabilities to narrow.
        guard euid == user.uid else {
            throw PrivilegeError(
                "running as uid \(euid), not root: cannot switch to user \"\(user.name)\" (uid \(user.uid)); "
                    + "start as root or as that user")
        }
        return .narrow
    }
}

/// What the process must look like once the plan has run; the driver sets it, reads the process back and refuses
/// to go on when ``problems(in:)`` finds anything.
public struct PrivilegeTarget: Hashable, Sendable {
    public var plan: PrivilegePlan
    /// Permitted and effective alike.
    public var kept: CapabilitySet
    /// nil: left as it was (the process may not change it).
    public var bounding: CapabilitySet?
    /// nil: the process keeps its ids and groups.
    public var user: ScriptUser?

    /// - Parameters:
    ///   - before: The process as it is now.
    ///   - wanted: What the daemon needs (``CapabilitySet/daemon``); a capability the process does not hold (a
    ///     container without CAP_NET_ADMIN) cannot be kept and is left out.
    public init(plan: PrivilegePlan, before: ProcessPrivileges, wanted: CapabilitySet) {
        self.plan = plan
        let held = before.capabilities
        switch plan {
        case .stayRoot:
            kept = held.permitted
            bounding = nil
            user = nil
        case .switchUser(let target):
            kept = wanted.intersection(held.permitted).intersection(held.bounding)
            bounding = wanted.intersection(held.bounding)
            user = target
        case .narrow:
            kept = wanted.intersection(held.permitted)
            bounding = held.effective.contains(.setpcap) ? wanted.intersection(held.bounding) : nil
            user = nil
        }
    }

    /// The effective set `stayRoot` keeps is whatever root had; the others make every kept capability effective.
    public func effective(before: ProcessPrivileges) -> CapabilitySet {
        plan == .stayRoot ? before.capabilities.effective : kept
    }

    /// Bounding capabilities to drop, given the set as it is now.
    public func boundingToDrop(from current: CapabilitySet) -> [Capability] {
        guard let bounding else { return [] }
        return current.subtracting(bounding).members
    }

    /// Every way `actual` differs from this target, in words for the operator; empty when it matches.
    public func problems(in actual: ProcessPrivileges, before: ProcessPrivileges) -> [String] {
        var problems: [String] = []
        let caps = actual.capabilities
        func expect(_ name: String, _ value: CapabilitySet, _ wanted: CapabilitySet) {
            if value != wanted { problems.append("\(name) capabilities are \(value), expected \(wanted)") }
        }
        expect("permitted", caps.permitted, kept)
        expect("effective", caps.effective, effective(before: before))
        expect("inheritable", caps.inheritable, .empty)
        expect("ambient", caps.ambient, .empty)
        if let bounding { expect("bounding", caps.bounding, bounding) }
        if let user {
            let groups = Set(user.groups.isEmpty ? [user.gid] : user.groups)
            if !actual.uids.are(user.uid) {
                problems.append(
                    "user ids are \(actual.uids.real)/\(actual.uids.effective)/\(actual.uids.saved), expected "
                        + "\(user.uid) for real, effective and saved")
            }
            if !actual.gids.are(user.gid) {
                problems.append(
                    "group ids are \(actual.gids.real)/\(actual.gids.effective)/\(actual.gids.saved), expected "
                        + "\(user.gid) for real, effective and saved")
            }
            if actual.groups != groups {
                problems.append(
                    "supplementary groups are \(actual.groups.sorted()), expected \(groups.sorted())")
            }
        } else if actual.uids != before.uids || actual.gids != before.gids {
            problems.append("user or group ids changed without a user to switch to")
        }
        return problems
    }
}

/// Why the privilege step refused to go on; the daemon exits with it rather than run with more than it should.
public struct PrivilegeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
