import Glibc

/// The security rule applied to the real file system.
extension ScriptSecurity {
    /// The problem that forbids running `path` as `user`, or nil.
    ///
    /// Symbolic links are resolved first and the real path is checked, so a link from a safe directory into an
    /// unsafe one is caught. The check and the later exec are separate steps: it protects against careless
    /// permissions, not against an attacker already able to write into the path (the rule keeps those out).
    public static func check(_ path: String, user: ScriptUser) -> ScriptSecurityProblem? {
        guard let resolved = realpath(path, nil) else {
            return .inaccessible(path: path, reason: String(cString: strerror(errno)))
        }
        defer { free(resolved) }
        return problem(path: String(cString: resolved), user: user) { component in
            var status = stat()
            guard stat(component, &status) == 0 else {
                return .failure(.inaccessible(path: component, reason: String(cString: strerror(errno))))
            }
            return .success(FileFacts(uid: status.st_uid, gid: status.st_gid, mode: status.st_mode))
        }
    }
}
