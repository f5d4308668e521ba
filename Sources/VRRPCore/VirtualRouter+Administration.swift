import MonotonicTime

// Inputs from outside the protocol: link and tracking state, and operator commands.
extension VirtualRouter {
    /// The link or a tracked check failed (`true`) or recovered (`false`), keepalived's FAULT.
    ///
    /// Entering fault, a master resigns with priority 0 and releases the addresses; a master releasing at
    /// `shutdown` ends in `initialize` instead, so that the stop is reported (notify_stop) before the VRRP thread,
    /// which waits only for releasing routers, ends. Leaving fault, the router starts over as at startup
    /// (RFC 5798 6.4.1), unless it is stopping: then it ends in `initialize`, since a node that was told to stop
    /// must not take the addresses back. Before `start` or after `shutdown` the value is only remembered.
    public mutating func setFault(_ faulted: Bool, at now: MonotonicInstant) -> [VRRPAction] {
        guard faulted != isFaulted else { return [] }
        isFaulted = faulted
        if faulted {
            switch state {
            case .initialize, .fault: return []
            case .backup, .master:
                if isStopping { return stepDown(to: .initialize, why: .shutdown) }
                return stepDown(to: .fault, why: .faultRaised)
            }
        }
        switch state {
        case .fault:
            if isStopping { return stepDown(to: .initialize, why: .shutdown) }
            return startElection(at: now, why: .faultCleared)
        case .initialize, .backup, .master: return []
        }
    }

    /// Sets the sum of tracking weights applied to the configured priority (keepalived's `weight`).
    ///
    /// Nothing is sent at once: a master's next advert carries the new priority. A backup's running
    /// Master_Down_Timer is re-armed for the new Skew_Time, counted from when it started, so that a backup whose
    /// priority rose takes over before one whose priority fell (as keepalived rescales `ms_down_timer`).
    public mutating func setPriorityAdjustment(_ adjustment: Int, at now: MonotonicInstant) -> [VRRPAction] {
        let before = effectivePriority
        priorityAdjustment = adjustment
        guard effectivePriority != before, state == .backup, armedTimers[.masterDown] != nil,
            let start = masterDownStart
        else { return [] }
        return armMasterDown(since: start.instant, skewOnly: start.skewOnly)
    }

    /// The operator's "state backup": a master resigns with priority 0 and releases the addresses once a new master
    /// has announced them, and the router stays backup, never taking over, until `resume`. In fault or initialize
    /// the mode is remembered.
    public mutating func handover(at now: MonotonicInstant) -> [VRRPAction] {
        administrativeMode = .backup
        switch state {
        case .master:
            return beginRelease(to: .backup, why: .administrativeBackup, at: now)
        case .backup:
            // Forget Master_Down_Timer so that its firing is stale.
            armedTimers[.masterDown] = nil
            return []
        case .initialize, .fault:
            return []
        }
    }

    /// The operator's "auto": the election decides again. A backup re-arms Master_Down_Timer, or takes over at once
    /// as the address owner; a master still releasing after `handover` carries on as master if no successor has
    /// spoken yet.
    public mutating func resume(at now: MonotonicInstant) -> [VRRPAction] {
        guard administrativeMode == .backup else { return [] }
        administrativeMode = .automatic
        switch state {
        case .backup:
            if effectivePriority == 255 { return becomeMaster(at: now, why: .addressOwner) }
            return armMasterDown(since: now)
        case .master:
            return release?.target == .backup ? cancelRelease(at: now) : []
        case .initialize, .fault:
            return []
        }
    }
}
