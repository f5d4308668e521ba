import MonotonicTime

// The state changes every event funnels through, and timer bookkeeping. Each returns its actions in the order the
// driver should perform them.
extension VirtualRouter {
    /// RFC 5798 6.4.1 (Startup), also used when a fault clears: the owner takes over, others listen as backup.
    mutating func startElection(at now: MonotonicInstant, why: VRRPTransitionReason) -> [VRRPAction] {
        masterAdvertInterval = settings.advertInterval
        if effectivePriority == 255 && administrativeMode == .automatic {
            return becomeMaster(at: now, why: .addressOwner)
        }
        return becomeBackup(at: now, why: why)
    }

    /// RFC 5798 6.4.1 / 6.4.2: send an advert, take and announce the addresses, advert again, arm Adver_Timer.
    mutating func becomeMaster(at now: MonotonicInstant, why: VRRPTransitionReason) -> [VRRPAction] {
        let from = enter(.master)
        // Master_Adver_Interval is a backup's copy of the master's interval; as master it is our own. A VRRPv3
        // peer's longer one kept here would stretch the release at shutdown past the daemon's wait for it.
        masterAdvertInterval = settings.advertInterval
        // The first advert goes before the VIP add (a netlink round trip, milliseconds under load), or a backup
        // whose Skew_Time is only that much longer takes over too. The second tells a releasing master that the
        // addresses are announced: it lets go on that one (VirtualRouter+Release.swift), so a SYN sent to its MAC
        // before clients heard the announcement still finds the VIP there.
        var actions: [VRRPAction] = [
            .sendAdvert(priority: effectivePriority),
            .addVIPs(settings.virtualAddresses),
            .sendGratuitous(settings.virtualAddresses.map(\.address)),
            .sendAdvert(priority: effectivePriority),
            .stateChanged(from: from, to: .master, why: why),
            arm(.advert, at: now + settings.advertInterval),
        ]
        if settings.gratuitousRepeatDelay > .zero {
            actions.append(arm(.gratuitousRepeat, at: now + settings.gratuitousRepeatDelay))
        }
        return actions
    }

    /// Enters backup with a fresh Master_Down_Timer (none in administrative backup). Leaving master releases the
    /// addresses first.
    mutating func becomeBackup(at now: MonotonicInstant, why: VRRPTransitionReason) -> [VRRPAction] {
        let from = enter(.backup)
        var actions: [VRRPAction] = from == .master ? [.removeVIPs(settings.virtualAddresses)] : []
        actions.append(.stateChanged(from: from, to: .backup, why: why))
        actions += armMasterDown(since: now)
        return actions
    }

    /// Leaves whatever state for `fault`, `initialize` or administrative backup. A master resigns first with a
    /// priority 0 advert so that a backup takes over after Skew_Time (RFC 5798 6.4.3) and releases the addresses.
    mutating func stepDown(to target: VRRPState, why: VRRPTransitionReason) -> [VRRPAction] {
        // A releasing master that heard its successor resigned already; priority 0 now would only cut the other
        // backups' Master_Down_Timer to Skew_Time under a master that is there.
        let succeeded = release?.successors.isEmpty == false
        let from = enter(target)
        let resign: [VRRPAction] =
            from != .master ? []
            : succeeded ? [.removeVIPs(settings.virtualAddresses)]
            : [.sendAdvert(priority: 0), .removeVIPs(settings.virtualAddresses)]
        return resign + [.stateChanged(from: from, to: target, why: why)]
    }

    /// Changes state and forgets every timer and the known master; returns the state left.
    mutating func enter(_ target: VRRPState) -> VRRPState {
        let from = state
        state = target
        armedTimers.removeAll()
        knownMaster = nil
        release = nil
        // keepalived restarts the preempt delay whenever it enters backup.
        preemptDelayEnds = nil
        return from
    }

    /// Arms Master_Down_Timer, counted from `start`, unless the operator holds this router in backup: for
    /// Master_Down_Interval, or for Skew_Time alone after the master resigned (RFC 5798 6.4.2).
    mutating func armMasterDown(since start: MonotonicInstant, skewOnly: Bool = false) -> [VRRPAction] {
        switch administrativeMode {
        case .automatic:
            masterDownStart = MasterDownStart(instant: start, skewOnly: skewOnly)
            return [arm(.masterDown, at: start + (skewOnly ? skewTime : masterDownInterval))]
        case .backup:
            return []
        }
    }

    /// A new arming of `kind`, which makes any earlier one stale.
    mutating func arm(_ kind: VRRPTimer.Kind, at deadline: MonotonicInstant) -> VRRPAction {
        lastArming += 1
        let timer = VRRPTimer(kind: kind, arming: lastArming)
        armedTimers[kind] = timer
        return .armTimer(timer, at: deadline)
    }
}
