/// Why a script is refused; `description` names the path and the fix.
public enum ScriptSecurityProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// `path` (the script or a directory above it) is owned by a user other than root and the script user, who
    /// could replace the script.
    case foreignOwner(path: String, uid: UInt32)
    /// `path` is writable by its group, and the group is not root's.
    case groupWritable(path: String, gid: UInt32, permissions: UInt32)
    /// `path` is writable by everyone.
    case worldWritable(path: String, permissions: UInt32)
    /// The script is not a regular file (a directory, a device, a FIFO).
    case notRegularFile(path: String)
    /// The script user may not execute it.
    case notExecutable(path: String, user: ScriptUser)
    /// The path, or one on its way, cannot be looked at; `reason` is the system's message.
    case inaccessible(path: String, reason: String)

    public var description: String {
        switch self {
        case .foreignOwner(let path, let uid):
            return "\(path) is owned by uid \(uid), neither root nor the script user; make root own it"
        case .groupWritable(let path, let gid, let permissions):
            return "\(path) is writable by group \(gid) (mode \(octal(permissions))); remove group write (chmod g-w)"
        case .worldWritable(let path, let permissions):
            return "\(path) is writable by everyone (mode \(octal(permissions))); remove it (chmod o-w)"
        case .notRegularFile(let path):
            return "\(path) is not a regular file"
        case .notExecutable(let path, let user):
            return "\(path) is not executable by \(user)"
        case .inaccessible(let path, let reason):
            return "cannot check \(path): \(reason)"
        }
    }

    private func octal(_ permissions: UInt32) -> String {
        let digits = String(permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
