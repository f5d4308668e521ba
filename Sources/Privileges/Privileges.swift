import CLibcap
import Glibc
import ScriptRunner

/// The privilege step of `pgfloat run`: clears what scripts could inherit, and when `[global] user` is set and the
/// process is root, becomes that user with CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE only.
///
/// Contract: call it before any thread starts. Capabilities and `PR_SET_KEEPCAPS` belong to the calling thread;
/// threads created later copy its credentials, threads that already exist keep theirs. So it refuses to run
/// when the process has more than one thread.
public enum Privileges {
    /// What the step did, for the log line.
    public struct Report: Sendable, CustomStringConvertible {
        public var plan: PrivilegePlan
        /// The user now running, by name when known.
        public var user: String
        public var kept: CapabilitySet
        /// nil: the bounding set was left as it was.
        public var bounding: CapabilitySet?

        public var description: String {
            "user=\(user) kept=\(kept) bounding=\(bounding.map { "\($0)" } ?? "unchanged")"
        }
    }

    /// Runs the plan for `user` (with `group` instead of the user's primary group) and verifies the result.
    ///
    /// - Parameter wanted: The capabilities to keep when dropping; ``CapabilitySet/daemon``.
    /// - Throws: ``PrivilegeError`` when the user is unknown, a step fails, or the process read back differs
    ///   from the plan; the caller must not go on.
    public static func drop(
        user: String?, group: String?, wanted: CapabilitySet = .daemon
    ) throws(PrivilegeError) -> Report {
        if let threads = threadCount(), threads > 1 {
            throw PrivilegeError("the privilege step must run before any thread starts; found \(threads) threads")
        }
        let identity: ScriptUser?
        do {
            identity = try user.map { name throws(ScriptUser.LookupError) in
                try ScriptUser.resolve(name: name, group: group)
            }
        } catch {
            throw PrivilegeError("user: \(error)")
        }
        let before = try ProcessPrivileges.read()
        let plan = try PrivilegePlan.choose(euid: before.uids.effective, user: identity)
        let target = PrivilegeTarget(plan: plan, before: before, wanted: wanted)

        try clearAmbient()
        switch plan {
        case .stayRoot, .narrow:
            try dropBounding(target.boundingToDrop(from: before.capabilities.bounding))
            try setCapabilities(permitted: target.kept, effective: target.effective(before: before))
        case .switchUser(let account):
            // Root's permitted set survives the change of uid only with keep-caps; the effective set is emptied.
            try prctl(PR_SET_KEEPCAPS, 1, "PR_SET_KEEPCAPS")
            // Needs CAP_SETPCAP, which root has now and the user will not.
            try dropBounding(target.boundingToDrop(from: before.capabilities.bounding))
            try switchIdentity(to: account)
            try setCapabilities(permitted: target.kept, effective: target.kept)
            try prctl(PR_SET_KEEPCAPS, 0, "PR_SET_KEEPCAPS")
        }

        let after = try ProcessPrivileges.read()
        let problems = target.problems(in: after, before: before)
        guard problems.isEmpty else {
            throw PrivilegeError("the process is not as planned: " + problems.joined(separator: "; "))
        }
        return Report(
            plan: plan, user: identity?.name ?? userName(uid: after.uids.effective), kept: after.capabilities.permitted,
            bounding: target.bounding)
    }

    // MARK: - Steps

    private static func clearAmbient() throws(PrivilegeError) {
        guard clibcap_prctl(PR_CAP_AMBIENT, UInt(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0) == 0 else {
            // Kernels before 4.3 have no ambient set, so nothing can be in it.
            if errno == EINVAL { return }
            throw PrivilegeError("cannot clear the ambient capabilities: \(errnoText())")
        }
    }

    private static func dropBounding(_ capabilities: [Capability]) throws(PrivilegeError) {
        for capability in capabilities where cap_drop_bound(cap_value_t(capability.number)) != 0 {
            throw PrivilegeError("cannot drop \(capability) from the bounding set: \(errnoText())")
        }
    }

    private static func switchIdentity(to user: ScriptUser) throws(PrivilegeError) {
        // Groups first: once the uid is not 0 they cannot change.
        var groups = (user.groups.isEmpty ? [user.gid] : user.groups).map { gid_t($0) }
        guard setgroups(groups.count, &groups) == 0 else {
            throw PrivilegeError("cannot set the groups of \(user): \(errnoText())")
        }
        guard clibcap_setresgid(user.gid, user.gid, user.gid) == 0 else {
            throw PrivilegeError("cannot switch to group \(user.gid): \(errnoText())")
        }
        // Real, effective and saved together: no way back to root.
        guard clibcap_setresuid(user.uid, user.uid, user.uid) == 0 else {
            throw PrivilegeError("cannot switch to user \(user): \(errnoText())")
        }
    }

    /// Sets permitted and effective, and empties inheritable.
    private static func setCapabilities(
        permitted: CapabilitySet, effective: CapabilitySet
    ) throws(PrivilegeError) {
        guard let state = cap_init() else { throw PrivilegeError("cap_init: \(errnoText())") }
        defer { cap_free(UnsafeMutableRawPointer(state)) }
        for (set, flag) in [(permitted, CAP_PERMITTED), (effective, CAP_EFFECTIVE)] {
            var values = set.members.map { cap_value_t($0.number) }
            guard values.isEmpty || cap_set_flag(state, flag, Int32(values.count), &values, CAP_SET) == 0 else {
                throw PrivilegeError("cap_set_flag: \(errnoText())")
            }
        }
        guard cap_set_proc(state) == 0 else {
            throw PrivilegeError("cannot set the capabilities to \(permitted): \(errnoText())")
        }
    }

    private static func prctl(_ option: Int32, _ value: UInt, _ name: String) throws(PrivilegeError) {
        guard clibcap_prctl(option, value, 0, 0, 0) == 0 else {
            throw PrivilegeError("\(name) \(value): \(errnoText())")
        }
    }

    // MARK: - Facts

    /// Threads in this process, from /proc/self/task; nil without /proc.
    static func threadCount() -> Int? {
        guard let directory = opendir("/proc/self/task") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return count
    }

    private static func userName(uid: UInt32) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }
}
