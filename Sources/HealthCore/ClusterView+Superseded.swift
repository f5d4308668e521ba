extension ClusterView {
    /// Whether `server`'s last answer said primary on a timeline older than the newest any server answered
    /// primary on (or on an unknown one once a timeline is known: it cannot show it is not older). Such a primary
    /// lost the role to a newer one, even one that is not confirmed yet or has died since, whatever its check says
    /// now: writes that reach it are thrown away by its `pg_rewind`.
    public func isSuperseded(_ server: String) -> Bool {
        guard let health = health(of: server), health.answeredRole == .primary else { return false }
        return SplitBrainGuard.isSuperseded(timeline: health.timeline, newest: newestPrimaryTimeline)
    }

    /// Whether `server` answers primary without holding the role: it is superseded, or a store guides routing
    /// and names another leader or none. Role-blind (`any`) listeners leave it out, so that no write reaches it.
    func answersPrimaryWithoutTheRole(_ server: String) -> Bool {
        guard health(of: server)?.answeredRole == .primary else { return false }
        if isSuperseded(server) { return true }
        return store.map { $0.leader != server } ?? false
    }

    /// Servers whose last answer was primary and that lost the role for certain: superseded, or a store names
    /// another leader (or a member that is no server). A store without a leader (fenced, between leaders) cannot
    /// tell, so it names none: sessions open on the primary stay, as on a primary listener. See
    /// `RoutingTable.lostPrimaries`.
    func lostPrimaries() -> Set<String> {
        Set(members.lazy.map(\.config.name).filter { name in
            guard self.health(of: name)?.answeredRole == .primary else { return false }
            if self.isSuperseded(name) { return true }
            switch self.store?.writes {
            case .leader(let leader?)?: return leader != name
            case .unmappedLeader?: return true
            case .fenced?, .leader(nil)?, nil: return false
            }
        })
    }
}
