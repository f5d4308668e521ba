/// Chooses the one server writes may go to when several claim to be primary.
///
/// Two primaries happen when an old primary comes back after a failover without being demoted, or when a network
/// split lets both sides promote. Writes to both would fork the data. Each promotion starts a new timeline, so
/// the server on the strictly highest timeline is the newest primary and wins. When the highest timeline is
/// shared, or a claimant's timeline is unknown, nothing tells which is newer: the guard picks none, because
/// refusing writes for a while can be recovered from and a forked history cannot.
///
/// The guard also remembers the newest timeline any server answered primary on (`ClusterView`'s
/// `newestPrimaryTimeline`): a claimant on an older one lost to a newer primary, even when that one is not
/// confirmed yet or has died since, and never wins.
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
        /// Several claimants and none could be chosen.
        var splitBrain: Bool
    }

    /// Whether a claimant on `timeline` may not take writes because a primary on a newer timeline was seen. An
    /// unknown timeline cannot show it is not older, so it is superseded too once any timeline was seen.
    static func isSuperseded(timeline: Int?, newest: Int?) -> Bool {
        guard let newest else { return false }
        return timeline.map { $0 < newest } ?? true
    }

    /// Claimants superseded by `newest` are out; then 0 left: no primary; 1: it; more: the one on the strictly
    /// highest timeline, else none (split brain).
    static func elect(_ all: [Claimant], newest: Int?) -> Election {
        // An unknown timeline stays in the arbitration: against another claimant it might be the newer one.
        let claimants = all.filter { $0.timeline == nil || !isSuperseded(timeline: $0.timeline, newest: newest) }
        guard claimants.count > 1 else {
            let primary = claimants.first.flatMap { isSuperseded(timeline: $0.timeline, newest: newest) ? nil : $0 }
            return Election(primary: primary?.name, splitBrain: false)
        }
        let timelines = claimants.compactMap(\.timeline)
        guard timelines.count == claimants.count, let newest = timelines.max(),
            timelines.filter({ $0 == newest }).count == 1,
            let winner = claimants.first(where: { $0.timeline == newest })
        else {
            return Election(primary: nil, splitBrain: true)
        }
        return Election(primary: winner.name, splitBrain: false)
    }
}
