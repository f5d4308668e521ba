import ConfigModel
import MonotonicTime

extension ClusterView {
    /// What every listener may route to at `now`.
    ///
    /// Each listener gets the servers of its pool that its role allows (see `allowed(for:primary:)`) and the
    /// operator has not drained or put in maintenance there, in pool order, with their effective weights
    /// (`EffectiveWeight`, from the runtime weight when one was set). Servers of weight 0 are left out: the
    /// balancer would not pick them anyway. Backup servers are listed: the balancer itself prefers the
    /// non-backup ones.
    public func routing(for listeners: [ListenerConfig], at now: MonotonicInstant) -> RoutingTable {
        let election = election()
        var eligible: [String: [EligibleServer]] = [:]
        var nextRamp: MonotonicInstant?
        for listener in listeners {
            let listed = listed(for: listener, primary: election.primary, at: now)
            eligible[listener.name] = listed.map { EligibleServer(name: $0.name, weight: $0.weight.value) }
            // The driver recomputes when the first ramping weight steps, so the ramp is followed to the unit.
            for change in listed.compactMap(\.weight.nextChange) where nextRamp.map({ change < $0 }) ?? true {
                nextRamp = change
            }
        }
        return RoutingTable(
            eligible: eligible, primary: election.primary,
            primaryClaimants: members.filter(\.health.claimsPrimary).map(\.config.name),
            deposed: deposed(primary: election.primary), lostPrimaries: lostPrimaries(),
            splitBrain: election.splitBrain, nextRampUpdate: nextRamp)
    }

    /// The primary writes may go to: the store's confirmed leader when a store guides routing, else the
    /// split-brain guard's choice among usable servers that the checks trust as primary, once the startup gate
    /// is open (the store already chose, so it needs no gate). Either way never one on a timeline older than the
    /// newest seen.
    func election() -> SplitBrainGuard.Election {
        let newest = newestPrimaryTimeline
        if let store {
            var election = storeElection(store)
            if let leader = election.primary, let health = health(of: leader), health.role == .primary,
                SplitBrainGuard.isSuperseded(timeline: health.timeline, newest: newest)
            {
                election.primary = nil
            }
            return election
        }
        if holdsElections { return SplitBrainGuard.Election(primary: nil, splitBrain: false) }
        let claimants = members.filter { Self.isUsable($0.health) && $0.health.role == .primary }
        return SplitBrainGuard.elect(
            claimants.map { .init(name: $0.config.name, timeline: $0.health.timeline) }, newest: newest)
    }

    /// See `RoutingTable.deposed`.
    private func deposed(primary: String?) -> Set<String> {
        // A store that names no leader (fenced, or between leaders) cannot tell who lost the role: only an
        // answer "replica" or a newer timeline can. A key held by a member that is no configured server tells: all
        // of them lost it.
        let leaderless: Bool
        switch store?.writes {
        case .fenced?, .leader(nil)?: leaderless = true
        case .leader(.some)?, .unmappedLeader?, nil: leaderless = false
        }
        // Nobody lost the role while the startup gate holds the election: it is not decided yet.
        if store == nil, holdsElections { return [] }
        return Set(members.lazy.filter { member in
            let health = member.health
            guard member.config.name != primary else { return false }
            // Once another server is elected, or a newer timeline was seen, sessions elsewhere began under a
            // primary that lost the role, whatever its check says now: a primary whose check fails (Patroni's
            // API died, PostgreSQL did not) still commits them. A newer timeline is a fact whatever the operator
            // or the store says: draining the old primary before promoting its standby must not leave its
            // sessions writing either. Only while nobody else is primary does a check that fails leave them be:
            // a hiccup must not cut sessions.
            if primary != nil || self.isSuperseded(member.config.name) { return true }
            guard health.reachability == .up else { return false }
            switch health.role {
            case .replica: return true
            case .unknown: return !leaderless
            // Usable and trusted as primary, yet not elected: another leader or a tie. A primary its agent
            // drains keeps its sessions.
            case .primary: return Self.isUsable(health) && !leaderless
            }
        }.map(\.config.name))
    }

    /// A server may take new sessions when it is up and its agent asks neither drain nor maintenance.
    static func isUsable(_ health: ServerHealth) -> Bool {
        guard health.reachability == .up else { return false }
        switch health.agent {
        case .drain?, .maintenance?: return false
        case .ready?, .weightPercent?, nil: return true
        }
    }

    /// A server a listener may use, before it becomes an `EligibleServer`.
    private struct Candidate {
        var name: String
        var weight: EffectiveWeight
    }

    /// The servers `listener` may use at `now`, with their weights. `replica-or-primary` falls back to the primary
    /// when no replica is left with a weight, not only when none is allowed: a replica at 0% takes no reads.
    private func listed(for listener: ListenerConfig, primary: String?, at now: MonotonicInstant) -> [Candidate] {
        let listed = weighted(allowed(for: listener, primary: primary), in: listener, at: now)
        guard listener.role == .replicaOrPrimary, listed.isEmpty else { return listed }
        return weighted(primarySet(of: listener, primary: primary), in: listener, at: now)
    }

    /// The servers of `listener`'s pool that its role allows.
    ///
    /// - `primary`: the elected primary, when it is in the pool.
    /// - `replica`: usable servers trusted as replica that are fresh enough (`isFresh(_:for:)`: not diverged,
    ///   within `max_lag` and streaming with `require_streaming`, by rise/fall over their readings), whose
    ///   store member record, if any, does not say PostgreSQL is down, and that Patroni's tags let take reads
    ///   (`passesTags(_:for:)`: not `noloadbalance`, carrying the listener's `tags`).
    /// - `sync` / `async`: the `replica` set, of those Patroni lists as synchronous standbys or does not.
    /// - `standby-leader`: usable servers trusted as replica that Patroni says lead a standby cluster; as
    ///   Patroni's `/standby-leader`, tags do not matter.
    /// - `any`: every usable server, whatever its role, but a primary that lost the role
    ///   (`answersPrimaryWithoutTheRole(_:)`): writes that reach it are thrown away by its `pg_rewind`; and of
    ///   those, the ones Patroni's tags let take reads, as Patroni's `/read-only`: the elected primary and a
    ///   standby leader whatever their tags.
    /// - `replica-or-primary`: the `replica` set; `listed(for:primary:at:)` falls back to the `primary` set when
    ///   it is empty, so reads survive the loss of every replica.
    private func allowed(for listener: ListenerConfig, primary: String?) -> [Member] {
        switch listener.role {
        case .primary: return primarySet(of: listener, primary: primary)
        case .replica, .replicaOrPrimary: return replicaSet(of: listener)
        case .sync: return replicaSet(of: listener).filter { isSynchronous($0) == true }
        case .async: return replicaSet(of: listener).filter { isSynchronous($0) == false }
        case .standbyLeader: return standbyLeaderSet(of: listener)
        case .any:
            return pool(of: listener).filter { member in
                guard Self.isUsable(member.health), !answersPrimaryWithoutTheRole(member.config.name) else {
                    return false
                }
                // Before the startup gate opens no primary is decided: one that answered first may be the old one.
                if holdsElections, store == nil, member.health.role == .primary { return false }
                let leads = member.config.name == primary || patroniFacts(of: member.config.name)?.standbyLeader == true
                return leads || passesTags(member, for: listener)
            }
        }
    }

    private func pool(of listener: ListenerConfig) -> [Member] {
        listener.servers.compactMap { member(named: $0) }
    }

    private func primarySet(of listener: ListenerConfig, primary: String?) -> [Member] {
        pool(of: listener).filter { $0.config.name == primary }
    }

    private func replicaSet(of listener: ListenerConfig) -> [Member] {
        pool(of: listener).filter { member in
            guard Self.isUsable(member.health), member.health.role == .replica else { return false }
            if store?.notRunning.contains(member.config.name) == true { return false }
            return passesTags(member, for: listener) && isFresh(member.config.name, for: listener)
        }
    }

    private func standbyLeaderSet(of listener: ListenerConfig) -> [Member] {
        pool(of: listener).filter { member in
            guard Self.isUsable(member.health), member.health.role == .replica else { return false }
            if store?.notRunning.contains(member.config.name) == true { return false }
            return patroniFacts(of: member.config.name)?.standbyLeader == true
        }
    }

    /// The members the operator lets `listener` use, with their effective weights at `now`, without those of
    /// weight 0.
    private func weighted(_ members: [Member], in listener: ListenerConfig, at now: MonotonicInstant) -> [Candidate] {
        members.compactMap { member in
            let administration = self.administration(of: member.config.name, in: listener.name)
            guard administration.state == .ready else { return nil }
            var config = member.config
            if let weight = administration.weight { config.weight = weight }
            let weight = EffectiveWeight(config: config, health: member.health, at: now)
            return weight.value > 0 ? Candidate(name: config.name, weight: weight) : nil
        }
    }
}
