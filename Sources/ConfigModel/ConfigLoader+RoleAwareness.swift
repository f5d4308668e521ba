extension ConfigLoader {
    /// Reports every server in the pool of a listener that routes by role (any role but `any`) whose check
    /// cannot tell roles: such a server never answers primary or replica, so the listener would never route to
    /// it, and with `[dcs]` a leader is confirmed only by a check that answered primary.
    static func checkRoleAwareness(_ draft: DocumentDraft, diagnostics: Diagnostics) {
        let checkTypes = Dictionary(
            draft.servers.compactMap { server in server.name.map { ($0, server.checkType ?? draft.check.type) } },
            uniquingKeysWith: { first, _ in first })
        for (index, listener) in draft.listeners.enumerated() where listener.role != .any {
            let label = listener.name.map { "listener \"\($0)\"" } ?? "this listener"
            let line = diagnostics.line(of: TableLocation(name: "listener", occurrence: index), key: "role")
            for name in listener.servers ?? draft.servers.compactMap(\.name) {
                guard let type = checkTypes[name], !type.tellsRole else { continue }
                diagnostics.report(
                    key: "listener.role", line: line,
                    "\(label) has role = \"\(listener.role.rawValue)\" but server \"\(name)\" has a \(type.rawValue) "
                        + "check, which cannot tell primary from replica; use a pgsql, patroni or external check, "
                        + "or role = \"any\"")
            }
        }
    }
}

extension CheckType {
    /// Whether the check can answer primary or replica (`external` when its command prints `role=`).
    var tellsRole: Bool {
        switch self {
        case .pgsql, .patroni, .external: return true
        case .tcp, .pgHello, .agent: return false
        }
    }
}
