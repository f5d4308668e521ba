import MonotonicTime

// keepalived applies most `vrrp_instance` changes on reload (SIGHUP) without giving up mastership; so does this.
extension VirtualRouter {
    /// Whether `next` can replace the running settings in place: the same VRID, version and primary address (the
    /// same socket and election). Otherwise the instance has to be stopped and started anew.
    public func canReconfigure(to next: VRRPInstanceSettings) -> Bool {
        next.problems.isEmpty && next.vrid == settings.vrid && next.version == settings.version
            && next.primaryAddress == settings.primaryAddress
    }

    /// Takes new settings on reload without leaving the current state. A master adds the new addresses (and
    /// announces them) and removes the dropped ones at once, and advertises a changed priority or interval at
    /// once, so that a backup that now outranks it preempts without waiting for the next advert; a backup keeps
    /// its running Master_Down_Timer and uses the new values from the next advert on.
    ///
    /// - Precondition: `canReconfigure(to: next)`.
    public mutating func reconfigure(_ next: VRRPInstanceSettings, at now: MonotonicInstant) -> [VRRPAction] {
        precondition(canReconfigure(to: next), "reconfigure needs the same VRID, version and address")
        let before = settings
        settings = next
        guard state == .master else {
            if state != .backup { masterAdvertInterval = next.advertInterval }
            return []
        }
        var actions: [VRRPAction] = []
        let removed = before.virtualAddresses.filter { !next.virtualAddresses.contains($0) }
        let added = next.virtualAddresses.filter { !before.virtualAddresses.contains($0) }
        if !removed.isEmpty { actions.append(.removeVIPs(removed)) }
        if !added.isEmpty {
            actions.append(.addVIPs(added))
            if release == nil { actions.append(.sendGratuitous(added.map(\.address))) }
        }
        masterAdvertInterval = next.advertInterval
        if release == nil && (before.priority != next.priority || before.advertInterval != next.advertInterval) {
            actions += [.sendAdvert(priority: effectivePriority), arm(.advert, at: now + next.advertInterval)]
        }
        return actions
    }
}
