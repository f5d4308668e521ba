import MonotonicTime

// When two routers have been master at once (lost adverts, a stalled peer), both announced the addresses, so
// clients may send to the loser's MAC until their neighbour entries age out. keepalived has the winner announce
// again, at once and after a delay, when it hears the loser's advert (`garp_lower_prio_repeat`,
// `garp_lower_prio_delay`), and optionally the loser advertise once more as it yields (`higher_prio_send_advert`),
// so that the winner hears it whichever of the two hears the other first; this does the same.
extension VirtualRouter {
    /// The burst for a losing advert, and the delayed second one. Each losing advert re-arms the delay, so the
    /// second burst follows the last advert of the other master, after which it has nothing left to announce.
    mutating func reannounceToLowerMaster(at now: MonotonicInstant) -> [VRRPAction] {
        let burst = lowerPriorityRepeatBurst()
        guard !burst.isEmpty else { return [] }
        guard settings.lowerPriorityGratuitousDelay > .zero else { return burst }
        return burst + [arm(.lowerPriorityGratuitous, at: now + settings.lowerPriorityGratuitousDelay)]
    }

    /// One burst of `garp_lower_prio_repeat` frames per address; nothing when the repeat is zero.
    func lowerPriorityRepeatBurst() -> [VRRPAction] {
        let frames = settings.lowerPriorityGratuitousRepeat
        guard frames > 0 else { return [] }
        return [.reannounce(settings.virtualAddresses.map(\.address), frames: frames)]
    }

    /// keepalived's `higher_prio_send_advert`: a master that yields to a better one advertises once more, so
    /// that the winner, seeing a lower-priority master, re-announces the addresses. Without it, when the loser
    /// hears the winner first after a partition, neither announces and clients keep the loser's MAC.
    func advertBeforeYielding(priority: UInt8) -> [VRRPAction] {
        settings.advertBeforeYielding ? [.sendAdvert(priority: priority)] : []
    }
}
