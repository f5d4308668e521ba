import MonotonicTime

// A master that hears a lower-priority master has just been through a two-master moment (lost adverts, a stalled
// peer): the other master announced the addresses too, so clients may send to its MAC until their neighbour
// entries age out. keepalived re-announces at once and again after a delay (`garp_lower_prio_repeat`,
// `garp_lower_prio_delay`); this does the same.
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
}
