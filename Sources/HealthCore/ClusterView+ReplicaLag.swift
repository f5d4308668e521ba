import ConfigModel

/// Which replicas are fresh enough for each replica listener.
///
/// Contract: `record` calls `measureLag(after:)` with every reachable answer. An answer from a replica is one lag
/// reading (`ReplicaLag`), measured against the elected primary or, with none elected (every failover), against
/// the most advanced other server, so a failover never makes every replica count as fresh. An answer from the
/// primary only re-judges whether replicas read before it are ahead of it. Each reading of a replica counts once
/// for every watched listener whose pool holds it, on a rise/fall counter per (listener, server): a replica leaves
/// a pool after `fall` readings over its policy and comes back after `rise` within it, so one slow reading does not
/// flap it. The counter is per listener because listeners set different limits on the same replica. A diverged
/// replica (see `ReplicaLag.diverged`) leaves every replica pool at once: it may serve rows the cluster lost.
/// The driver calls `followLagLimits(of:)` with every configuration; a listener it was not told about is judged
/// on the last reading alone.
extension ClusterView {
    /// A replica listener's policy and the servers it applies to.
    struct LagWatch: Sendable, Equatable {
        var policy: LagPolicy
        var pool: Set<String>
    }

    /// The last lag reading of `server` while it answers replica; nil otherwise.
    public func replicaLag(of server: String) -> ReplicaLag? {
        replicaLags[server]
    }

    /// Takes the replica listeners' `max_lag` and `require_streaming`. A (listener, server) pair whose policy did
    /// not change keeps its counter; a new or changed one starts from the server's last reading, taken as it is.
    public mutating func followLagLimits(of listeners: [ListenerConfig]) {
        var watches: [String: LagWatch] = [:]
        for listener in listeners where listener.role.takesReplicas {
            let policy = LagPolicy(listener)
            if policy.limits { watches[listener.name] = LagWatch(policy: policy, pool: Set(listener.servers)) }
        }
        lagVerdicts = lagVerdicts.filter { key, _ in
            guard let watch = watches[key.listener], watch.pool.contains(key.server) else { return false }
            return lagWatches[key.listener]?.policy == watch.policy
        }
        lagWatches = watches
        for (listener, watch) in watches {
            for server in watch.pool where lagVerdicts[ListenerServer(listener: listener, server: server)] == nil {
                guard let lag = replicaLags[server] else { continue }
                _ = count(lag, of: server, in: listener, against: watch.policy)
            }
        }
    }

    /// Whether `listener` may send reads to the replica `server`.
    func isFresh(_ server: String, for listener: ListenerConfig) -> Bool {
        let policy = LagPolicy(listener)
        guard let lag = replicaLags[server] else { return !policy.limits }
        if lag.diverged { return false }
        guard policy.limits else { return true }
        if lagWatches[listener.name]?.policy == policy,
            let verdict = lagVerdicts[ListenerServer(listener: listener.name, server: server)]
        {
            return verdict.state == .up
        }
        return lag.meets(policy)
    }

    /// Takes the answer `server` just gave into the lag readings (see the contract above); returns what it changed:
    /// listeners that started or stopped taking a replica (not the first, unremarkable admission), and replicas
    /// that diverged or came back. `checkDuration` is the answer's, for the events.
    mutating func measureLag(after server: String, checkDuration: Duration) -> [HealthEvent] {
        guard let health = health(of: server) else { return [] }
        let primary = election().primary
        var changes: [(server: String, change: HealthEvent.Change, why: String)] = []
        if server == primary {
            replicaLags[server] = nil
            for (name, lag) in replicaLags {
                guard let replica = self.health(of: name), let ahead = ReplicaLag.isAhead(replica, of: health) else {
                    continue
                }
                // Seen behind again, it is trusted only while it streams: the primary writing past the position
                // of a stuck diverged standby does not undo its divergence.
                var judged = lag
                judged.ahead = ahead || (lag.ahead && replica.streaming != true)
                replicaLags[name] = judged
                if judged.diverged != lag.diverged {
                    changes.append((name, .divergence(diverged: judged.diverged), HealthEvent.divergenceWhy(judged)))
                }
            }
        } else if health.role == .replica {
            let reference = lagReference(for: server, primary: primary)
            var lag = ReplicaLag.measure(
                health, against: reference, isPrimary: primary != nil, recorded: store?.recordedLag[server])
            let previous = replicaLags[server]
            lag.ahead = previous?.ahead ?? false
            replicaLags[server] = lag
            if lag.diverged != (previous?.diverged ?? false) {
                changes.append((server, .divergence(diverged: lag.diverged), HealthEvent.divergenceWhy(lag)))
            }
            for (listener, watch) in lagWatches.sorted(by: { $0.key < $1.key }) where watch.pool.contains(server) {
                if let (change, why) = count(lag, of: server, in: listener, against: watch.policy) {
                    changes.append((server, change, why))
                }
            }
        } else {
            replicaLags[server] = nil
        }
        return changes.map { server, change, why in
            HealthEvent(server: server, change: change, why: why, checkDuration: checkDuration)
        }
    }

    /// Forgets the readings and counters of servers not in `kept`, whose health restarted.
    mutating func forgetLag(exceptOf kept: Set<String>) {
        replicaLags = replicaLags.filter { kept.contains($0.key) }
        lagVerdicts = lagVerdicts.filter { kept.contains($0.key.server) }
    }

    /// The server `server` is measured against: the elected primary; with none, the usable server other than it
    /// that is furthest on, newest timeline first (a server on an older timeline may be far on in WAL that the
    /// cluster left), leaving out servers seen ahead of the primary and servers on an older timeline than
    /// `server`'s, whose positions are in a history it left.
    private func lagReference(for server: String, primary: String?) -> ServerHealth? {
        if let primary { return health(of: primary) }
        let timeline = health(of: server)?.timeline
        let others = members.map(\.health).filter { other in
            guard other.name != server, Self.isUsable(other), other.advance != nil,
                replicaLags[other.name]?.ahead != true
            else { return false }
            guard let timeline, let theirs = other.timeline else { return true }
            return theirs >= timeline
        }
        return others.max { ($0.timeline ?? 0, $0.advance ?? 0) < ($1.timeline ?? 0, $1.advance ?? 0) }
    }

    /// Counts one reading of `server` in `listener`'s rise/fall counter; returns the change it made, if any, but
    /// none for a first reading within the limit (every replica has one at start).
    private mutating func count(
        _ lag: ReplicaLag, of server: String, in listener: String, against policy: LagPolicy
    ) -> (HealthEvent.Change, String)? {
        guard let settings = member(named: server)?.settings else { return nil }
        let key = ListenerServer(listener: listener, server: server)
        var verdict = lagVerdicts[key] ?? HealthCounter(rise: settings.rise, fall: settings.fall)
        let moved = verdict.record(success: lag.meets(policy))
        lagVerdicts[key] = verdict
        guard let moved, moved != .init(from: .unknown, to: .up) else { return nil }
        let why = HealthEvent.freshnessWhy(from: moved.from, to: moved.to, counter: verdict, lag: lag)
        return (.freshness(listener: listener, from: moved.from, to: moved.to), why)
    }
}
