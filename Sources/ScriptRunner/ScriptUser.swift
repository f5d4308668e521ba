/// The identity scripts run as (keepalived's `script_user`): a user id, its primary group and its supplementary
/// groups, resolved once when the configuration is loaded.
public struct ScriptUser: Hashable, Sendable, CustomStringConvertible {
    /// The name it was resolved from, for logs; may be empty for an identity built from numbers.
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups, as `initgroups` would set them; includes `gid` when the group database lists it.
    public var groups: [UInt32]

    public init(name: String = "", uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Whether this identity is root, which scripts then run as: security checks still apply.
    public var isRoot: Bool { uid == 0 }

    /// Whether a file in `group` counts as this user's group for the execute bit.
    func isMember(of group: UInt32) -> Bool { group == gid || groups.contains(group) }

    public var description: String {
        let label = name.isEmpty ? "uid \(uid)" : "\(name) (uid \(uid))"
        return "\(label), gid \(gid)"
    }

    /// root, which scripts run as when no `script_user` is set and the daemon is root.
    public static let root = ScriptUser(name: "root", uid: 0, gid: 0, groups: [0])
}
