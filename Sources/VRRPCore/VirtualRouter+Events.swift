import MonotonicTime
import NetTypes

extension VirtualRouter {
    /// Startup (RFC 5798 6.4.1): the address owner becomes master at once, others backup; fault if the link is
    /// known to be down. Ignored unless in `initialize`.
    public mutating func start(at now: MonotonicInstant) -> [VRRPAction] {
        guard state == .initialize else { return [] }
        isStopping = false
        if isFaulted { return stepDown(to: .fault, why: .faultRaised) }
        return startElection(at: now, why: .startup)
    }

    /// Shutdown (RFC 5798 6.4.2, 6.4.3): any state ends in `initialize`, and pending timers become stale. A master
    /// sends priority 0 and releases the addresses once a new master has announced them (`isReleasing` until then).
    public mutating func shutdown(at now: MonotonicInstant) -> [VRRPAction] {
        isStopping = true
        switch state {
        case .initialize: return []
        case .master: return beginRelease(to: .initialize, why: .shutdown, at: now)
        case .backup, .fault: return stepDown(to: .initialize, why: .shutdown)
        }
    }

    /// An advert that `settings.validate` accepted, from `source`, its IP source address.
    public mutating func received(
        _ packet: VRRPPacket, from source: IPAddress, at now: MonotonicInstant
    ) -> [VRRPAction] {
        switch state {
        case .initialize, .fault: return []
        case .backup: return backupReceived(packet, from: source, at: now)
        case .master:
            return release == nil
                ? masterReceived(packet, from: source, at: now) : releaseReceived(packet, from: source, at: now)
        }
    }

    /// A timer from an `.armTimer` action expired. Stale armings are ignored.
    public mutating func timerFired(_ timer: VRRPTimer, at now: MonotonicInstant) -> [VRRPAction] {
        guard armedTimers[timer.kind] == timer else { return [] }
        armedTimers[timer.kind] = nil
        if release != nil { return releaseTimerFired(timer.kind, at: now) }
        // Timers are forgotten on every state change, so a live one belongs to the current state.
        switch timer.kind {
        case .masterDown:
            // RFC 5798 6.4.2: Master_Down_Timer fires in backup.
            return becomeMaster(at: now, why: .masterDown)
        case .advert:
            // RFC 5798 6.4.3: Adver_Timer fires in master; the advert carries the current effective priority.
            return [.sendAdvert(priority: effectivePriority), arm(.advert, at: now + settings.advertInterval)]
        case .gratuitousRepeat:
            return [.sendGratuitous(settings.virtualAddresses.map(\.address))]
        case .lowerPriorityGratuitous:
            return lowerPriorityRepeatBurst()
        case .release:
            return []  // armed only while releasing
        }
    }

    /// RFC 5798 6.4.2, receiving an ADVERTISEMENT in backup.
    private mutating func backupReceived(
        _ packet: VRRPPacket, from source: IPAddress, at now: MonotonicInstant
    ) -> [VRRPAction] {
        if packet.priority == 0 {
            // The master resigned: take over after Skew_Time unless a better backup speaks first.
            knownMaster = nil
            return armMasterDown(since: now, skewOnly: true)
        }
        guard !settings.preempt || packet.priority >= effectivePriority || toleratesLowerMaster(at: now) else {
            // Preempt: ignore the lower-priority master and let Master_Down_Timer run out.
            return []
        }
        trackPreemptDelay(advertisedPriority: packet.priority, at: now)
        if settings.version == .v3 {
            // RFC 5798 6.4.2: adopt the master's interval; VRRPv2 intervals match by validation.
            masterAdvertInterval = packet.advertInterval
        }
        knownMaster = VRRPKnownMaster(address: source, priority: packet.priority)
        return armMasterDown(since: now)
    }

    /// RFC 5798 6.4.3 with RFC 9568 6.4.3, receiving an ADVERTISEMENT in master.
    private mutating func masterReceived(
        _ packet: VRRPPacket, from source: IPAddress, at now: MonotonicInstant
    ) -> [VRRPAction] {
        if packet.priority == 0 {
            // Another master resigned: assert ourselves at once and restart Adver_Timer.
            return [.sendAdvert(priority: effectivePriority), arm(.advert, at: now + settings.advertInterval)]
        }
        let ours = effectivePriority
        // RFC 5798 6.4.3: equal priorities are broken by the sender's primary address, compared as unsigned numbers.
        if packet.priority > ours || (packet.priority == ours && source > settings.primaryAddress) {
            masterAdvertInterval = packet.advertInterval
            let actions = advertBeforeYielding(priority: ours) + becomeBackup(at: now, why: .preempted)
            knownMaster = VRRPKnownMaster(address: source, priority: packet.priority)
            return actions
        }
        // RFC 9568 6.4.3: discard a losing advert but answer with ours at once, so the other router sees a master
        // now instead of after its own Master_Down_Interval (keepalived's "forcing new election").
        return [.sendAdvert(priority: ours)] + reannounceToLowerMaster(at: now)
    }

    /// keepalived's preempt_delay: a lower-priority master is tolerated until the delay, counted from the first
    /// such advert since entering backup, has passed.
    private func toleratesLowerMaster(at now: MonotonicInstant) -> Bool {
        guard settings.preemptDelay > .zero else { return false }
        guard let ends = preemptDelayEnds else { return true }
        return now < ends
    }

    /// Starts the preempt delay on the first lower-priority advert, and stops it when a master at least as good as
    /// us shows up.
    private mutating func trackPreemptDelay(advertisedPriority: UInt8, at now: MonotonicInstant) {
        guard settings.preemptDelay > .zero else { return }
        if advertisedPriority >= effectivePriority {
            preemptDelayEnds = nil
        } else if preemptDelayEnds == nil {
            preemptDelayEnds = now + settings.preemptDelay
        }
    }
}
