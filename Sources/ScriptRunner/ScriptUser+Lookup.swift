import Glibc

/// Resolving a `script_user` name from the user and group databases (NSS: /etc/passwd, LDAP, ...).
extension ScriptUser {
    /// Why a user name cannot be used.
    public struct LookupError: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The user named `name` with its primary group, or with `group` instead (keepalived's
    /// `script_user USER [GROUP]`), and its supplementary groups.
    ///
    /// Blocking: NSS may ask a directory server. Call it when the configuration loads, not per run.
    public static func resolve(name: String, group: String? = nil) throws(LookupError) -> ScriptUser {
        guard let account = try passwdEntry(name) else {
            throw LookupError(description: "no user named \"\(name)\"")
        }
        var gid = account.gid
        if let group {
            guard let groupID = try groupID(group) else {
                throw LookupError(description: "no group named \"\(group)\"")
            }
            gid = groupID
        }
        return ScriptUser(name: name, uid: account.uid, gid: gid, groups: supplementaryGroups(of: name, gid: gid))
    }

    /// The identity of the running process: the daemon's own user, for when no `script_user` is set.
    public static var current: ScriptUser {
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let filled = groups.isEmpty ? 0 : getgroups(count, &groups)
        return ScriptUser(
            uid: geteuid(), gid: getegid(), groups: Array(groups.prefix(Int(max(filled, 0)))).map { UInt32($0) })
    }

    private static func passwdEntry(_ name: String) throws(LookupError) -> (uid: UInt32, gid: UInt32)? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 1024)
        while true {
            let status = getpwnam_r(name, &entry, &buffer, buffer.count, &result)
            if status == ERANGE, buffer.count < 1 << 20 {
                buffer = [CChar](repeating: 0, count: buffer.count * 4)
                continue
            }
            guard status == 0 else {
                throw LookupError(description: "cannot look up user \"\(name)\": \(String(cString: strerror(status)))")
            }
            return result == nil ? nil : (entry.pw_uid, entry.pw_gid)
        }
    }

    private static func groupID(_ name: String) throws(LookupError) -> UInt32? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 1024)
        while true {
            let status = getgrnam_r(name, &entry, &buffer, buffer.count, &result)
            if status == ERANGE, buffer.count < 1 << 20 {
                buffer = [CChar](repeating: 0, count: buffer.count * 4)
                continue
            }
            guard status == 0 else {
                throw LookupError(
                    description: "cannot look up group \"\(name)\": \(String(cString: strerror(status)))")
            }
            return result == nil ? nil : entry.gr_gid
        }
    }

    /// The groups `initgroups(name, gid)` would set: `gid` and every group that lists the user as a member.
    private static func supplementaryGroups(of name: String, gid: UInt32) -> [UInt32] {
        var count: Int32 = 16
        while true {
            var groups = [gid_t](repeating: 0, count: Int(count))
            let needed = count
            if getgrouplist(name, gid, &groups, &count) >= 0 {
                return Array(groups.prefix(Int(count)))
            }
            // -1 with `count` set to the number needed; guard against a database that keeps growing.
            if count <= needed { count = needed * 2 }
            if count > 65536 { return [gid] }
        }
    }
}
