/// keepalived's script security rule (`enable_script_security`): a script runs only if nobody but root and the
/// user it runs as can change what runs.
///
/// That means the script and every directory above it must be owned by root or the script user, and writable by
/// no group but root's and by no one else. A world- or group-writable directory with the sticky bit (`/tmp`) is
/// accepted, as keepalived does: there only an entry's owner may rename or delete it. The script must also be a
/// regular file the script user can execute.
///
/// The rule is a pure function of `stat` results so that every case is a unit test;
/// ``check(_:user:)`` feeds it the real file system.
public enum ScriptSecurity {
    /// The first problem found walking from `/` down to `path`, or nil if the script may run.
    ///
    /// - Parameters:
    ///   - path: The script, absolute, with symbolic links already resolved (each component is what it says).
    ///   - user: Who the script runs as.
    ///   - facts: `stat` of a path, or the system's message when it fails.
    public static func problem(
        path: String, user: ScriptUser, facts: (String) -> Result<FileFacts, ScriptSecurityProblem>
    ) -> ScriptSecurityProblem? {
        let paths = prefixes(of: path)
        for (index, component) in paths.enumerated() {
            let file: FileFacts
            switch facts(component) {
            case .success(let found): file = found
            case .failure(let problem): return problem
            }
            let isScript = index == paths.count - 1
            if let problem = writeProblem(component, file, user: user, isScript: isScript) { return problem }
            if isScript { return executeProblem(component, file, user: user) }
        }
        return .inaccessible(path: path, reason: "not an absolute path")
    }

    /// "/", then each directory on the way, then the path itself: `/a/b/x.sh` gives `/`, `/a`, `/a/b`,
    /// `/a/b/x.sh`. Empty components (`//`) are skipped.
    static func prefixes(of path: String) -> [String] {
        guard path.hasPrefix("/") else { return [] }
        var result = ["/"]
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            result.append(current)
        }
        return result
    }

    private static func writeProblem(
        _ path: String, _ file: FileFacts, user: ScriptUser, isScript: Bool
    ) -> ScriptSecurityProblem? {
        guard file.uid == 0 || file.uid == user.uid else { return .foreignOwner(path: path, uid: file.uid) }
        // Sticky directories protect entries from everyone but their owners, whom the walk checks next.
        let stickyDirectory = !isScript && file.isDirectory && file.isSticky
        if file.isWorldWritable, !stickyDirectory {
            return .worldWritable(path: path, permissions: file.permissions)
        }
        if file.isGroupWritable, file.gid != 0, !stickyDirectory {
            return .groupWritable(path: path, gid: file.gid, permissions: file.permissions)
        }
        return nil
    }

    private static func executeProblem(_ path: String, _ file: FileFacts, user: ScriptUser) -> ScriptSecurityProblem? {
        guard file.isRegularFile else { return .notRegularFile(path: path) }
        // execve's own test: root needs any execute bit; others the owner's, group's or others' bit as they fit.
        let executeBit: UInt32
        if user.isRoot {
            executeBit = 0o111
        } else if file.uid == user.uid {
            executeBit = 0o100
        } else if user.isMember(of: file.gid) {
            executeBit = 0o010
        } else {
            executeBit = 0o001
        }
        return file.mode & executeBit == 0 ? .notExecutable(path: path, user: user) : nil
    }
}
