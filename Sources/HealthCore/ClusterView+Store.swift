import MonotonicTime

extension ClusterView {
    /// Takes what the store says at `now`; nil routes by the checks alone. A new leader starts the window in
    /// which it is checked every `confirmInterval` (see `nextCheckDelay`).
    public mutating func follow(store guidance: StoreGuidance?, at now: MonotonicInstant) {
        if guidance?.leader != store?.leader { leaderSince = now }
        store = guidance
    }

    /// Whether writes may go to the server the store names leader: it is usable and its check answered primary.
    ///
    /// A check that cannot tell roles (tcp, pg-hello, agent) never confirms: Patroni takes the key 0.1-0.2 s
    /// before the promotion ends, and a server that only accepts connections by then would refuse the first
    /// writes with 25006 (read-only transaction).
    public func isConfirmedLeader(_ server: String) -> Bool {
        guard let health = health(of: server), Self.isUsable(health) else { return false }
        return health.role == .primary
    }

    /// Where the store and the checks disagree now. A leader key that names a server the checks have not
    /// confirmed yet is a disagreement only after the caller's own grace: Patroni takes the key before it
    /// promotes.
    public func storeDisagreements() -> Set<StoreDisagreement> {
        guard let leader = store?.leader else { return [] }
        var found: Set<StoreDisagreement> = []
        if let health = health(of: leader) {
            if health.reachability == .down {
                found.insert(StoreDisagreement(kind: .leaderDown, server: leader, leader: leader))
            } else if health.role == .replica, patroniFacts(of: leader)?.standbyLeader != true {
                // A standby cluster's leader holds the key and is a replica by design: no disagreement.
                found.insert(StoreDisagreement(kind: .leaderIsReplica, server: leader, leader: leader))
            }
        }
        for member in members where member.config.name != leader {
            guard Self.isUsable(member.health), member.health.role == .primary else { continue }
            found.insert(StoreDisagreement(kind: .otherClaimsPrimary, server: member.config.name, leader: leader))
        }
        return found
    }

    /// The primary by the store: its leader when confirmed, nobody when fenced or unconfirmed.
    func storeElection(_ guidance: StoreGuidance) -> SplitBrainGuard.Election {
        switch guidance.writes {
        case .fenced, .leader(nil), .unmappedLeader:
            return SplitBrainGuard.Election(primary: nil, splitBrain: false)
        case .leader(let server?):
            return SplitBrainGuard.Election(
                primary: isConfirmedLeader(server) ? server : nil, splitBrain: false)
        }
    }
}
