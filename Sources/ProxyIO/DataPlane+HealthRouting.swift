import ConfigModel
import HealthCore

extension DataPlane {
    /// Applies what the health view allows: pools change, sessions on servers that left a pool are closed where
    /// the listener asks for it, and waiting clients get the servers that became eligible.
    func applyRouting(_ table: RoutingTable) {
        routing = table
        deferringQueueService { adopt(table) }
    }

    /// Every listener takes the table before any session is closed, so nothing in between sees half of it.
    private func adopt(_ table: RoutingTable) {
        let before = listeners.map(\.eligibleWeights)
        for listener in listeners { listener.adopt(table) }
        for (listener, before) in zip(listeners, before) {
            let after = listener.eligibleWeights
            if listener.config.onMarkedDown == .shutdownSessions {
                for position in listener.pool.indices where before[position] != nil && after[position] == nil {
                    closeSessions(of: listener, where: { $0 === listener.pool[position] }, .serverMarkedDown)
                }
            }
            // A deposed primary that still answers is never marked down, and one whose check fails is marked
            // down without closing anything by default; either way PostgreSQL keeps its sessions writing: writes
            // a later pg_rewind throws away.
            // A role-blind listener's sessions on a primary that lost the role may write just as well.
            let lost = listener.config.role == .primary ? table.deposed : table.lostPrimaries
            if listener.config.onPrimaryLost == .shutdownSessions, listener.config.role.mayReachPrimary, !lost.isEmpty {
                closeSessions(of: listener, where: { lost.contains($0.config.name) }, .primaryLost)
            }
            let regularCameUp = listener.pool.indices.contains { position in
                !listener.pool[position].config.backup && before[position] == nil && after[position] != nil
            }
            if listener.config.onMarkedUp == .shutdownBackupSessions, regularCameUp {
                closeSessions(of: listener, where: { $0.config.backup }, .backupShutdown)
            }
        }
    }

    /// Ends the listener's connecting and established sessions whose server matches.
    private func closeSessions(
        of listener: ListenerRuntime, where matches: (ServerRuntime) -> Bool, _ reason: EndReason
    ) {
        var closed = 0
        for case let session? in sessions where session.listener === listener {
            guard let server = session.server, matches(server) else { continue }
            end(session, reason)
            closed += 1
        }
        if closed > 0 {
            logger.notice(
                "sessions closed", metadata: ["listener": "\(listener.name)", "why": "\(reason.rawValue)",
                                              "sessions": "\(closed)"])
        }
    }
}
