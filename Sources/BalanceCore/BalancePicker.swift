import ConfigModel

/// Chooses a server of one listener's pool by the listener's algorithm.
///
/// The pool is passed in at every pick, in configuration order; the picker keeps only the small state its
/// algorithm needs (round-robin's running weights), so a reload that changes the pool only needs `reset(count:)`.
public struct BalancePicker: Sendable {
    public let algorithm: BalanceAlgorithm
    /// Smooth weighted round robin (as nginx does it): each pick adds every candidate's weight to its running
    /// value, takes the largest, and subtracts the total from it. Spreads picks evenly, even with unequal weights.
    private var running: [Int]

    public init(algorithm: BalanceAlgorithm, poolSize: Int) {
        self.algorithm = algorithm
        self.running = Array(repeating: 0, count: poolSize)
    }

    /// Forgets round-robin history, for a pool whose membership changed.
    public mutating func reset(poolSize: Int) {
        running = Array(repeating: 0, count: poolSize)
    }

    /// Picks a server for a new session.
    ///
    /// Backup servers are considered only when no non-backup server is eligible. Positions for which `excluded`
    /// returns true (servers that already refused this client's connect) are skipped.
    public mutating func pick(
        from pool: [ServerLoad], clientHash: UInt32 = 0, excluded: (Int) -> Bool = { _ in false }
    ) -> PickResult {
        if running.count != pool.count { reset(poolSize: pool.count) }
        let primaries = pool.indices.filter { !pool[$0].backup && pool[$0].isEligible && !excluded($0) }
        let tier = primaries.isEmpty
            ? pool.indices.filter { pool[$0].backup && pool[$0].isEligible && !excluded($0) }
            : primaries
        if tier.isEmpty { return .noneEligible }
        let open = tier.filter { pool[$0].hasFreeSlot }
        if open.isEmpty { return .full }
        return .server(choose(among: open, in: pool, clientHash: clientHash))
    }

    private mutating func choose(among open: [Int], in pool: [ServerLoad], clientHash: UInt32) -> Int {
        switch algorithm {
        case .first:
            return open[0]
        case .roundrobin:
            let total = open.reduce(0) { $0 + pool[$1].weight }
            var best = open[0]
            for position in open {
                running[position] += pool[position].weight
                if running[position] > running[best] { best = position }
            }
            running[best] -= total
            return best
        case .leastconn:
            // Compare sessions/weight without division: a.sessions * b.weight < b.sessions * a.weight.
            return open.min { a, b in
                let left = pool[a].sessions * pool[b].weight
                let right = pool[b].sessions * pool[a].weight
                return left != right ? left < right : a < b
            }!
        case .source:
            let total = open.reduce(0) { $0 + pool[$1].weight }
            var slot = Int(clientHash % UInt32(total))
            for position in open {
                slot -= pool[position].weight
                if slot < 0 { return position }
            }
            return open[open.count - 1]
        }
    }
}
