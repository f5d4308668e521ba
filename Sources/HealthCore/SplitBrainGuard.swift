/// Chooses the one server writes may go to when several claim to be primary.
///
/// Two primaries happen when an old primary comes back after a failover without being demoted, or when a network
/// split lets both sides promote. Writes to both would fork the data. Each promotion starts a new timeline, so
/// the server on the strictly highest timeline is the newest primary and wins. When the highest timeline is
/// shared, or a claimant's timeline is unknown, nothing tells which is newer: the guard picks none, because
/// refusing writes for a while can be recovered from and a forked history cannot.
enum SplitBrainGuard {
    /// A usable server that answered primary.
    struct Claimant: Equatable {
        var name: String
        var timeline: Int?
    }

    /// The guard's decision.
    struct Election: Equatable {
        /// The primary writes go to, if any.
        var primary: String?
        /// Every claimant, when there was more than one to arbitrate; else empty.
        var arbitrated: [String]
        /// Several claimants and none could be chosen.
        var splitBrain: Bool
    }

    /// 0 claimants: no primary; 1: it; more: the one on the strictly highest timeline, else none (split brain).
    static func elect(_ claimants: [Claimant]) -> Election {
        guard claimants.count > 1 else {
            return Election(primary: claimants.first?.name, arbitrated: [], splitBrain: false)
        }
        let names = claimants.map(\.name)
        let timelines = claimants.compactMap(\.timeline)
        guard timelines.count == claimants.count, let newest = timelines.max(),
            timelines.filter({ $0 == newest }).count == 1,
            let winner = claimants.first(where: { $0.timeline == newest })
        else {
            return Election(primary: nil, arbitrated: names, splitBrain: true)
        }
        return Election(primary: winner.name, arbitrated: names, splitBrain: false)
    }
}
