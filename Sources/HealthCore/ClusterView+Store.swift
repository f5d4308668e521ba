extension ClusterView {
    /// Takes what the store says now; nil routes by the checks alone.
    public mutating func follow(store guidance: StoreGuidance?) {
        store = guidance
    }

    /// Whether writes may go to the server the store names leader: it is usable, and its check answered primary
    /// or, for checks that cannot tell roles (tcp, pg-hello), at least that it is alive.
    public func isConfirmedLeader(_ server: String) -> Bool {
        guard let health = health(of: server), Self.isUsable(health) else { return false }
        return health.role != .replica
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
            } else if health.role == .replica {
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
