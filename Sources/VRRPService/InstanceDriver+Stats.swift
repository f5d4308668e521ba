import AdminCore
import MonotonicTime
import VRRPCore

extension InstanceDriver {
    /// The instance as `show vrrp`, the stats page and the metrics show it.
    func stats(at now: MonotonicInstant) -> VRRPInstanceStats {
        let settings = router.settings
        let master: String?
        switch router.state {
        case .master: master = link?.socket.source.description
        case .backup: master = router.knownMaster?.address.description
        case .initialize, .fault: master = nil
        }
        var stats = VRRPInstanceStats(
            name: name, interface: config.interface, virtualRouterID: Int(settings.vrid),
            state: router.state.label, priority: Int(settings.priority),
            effectivePriority: router.isFaulted ? 0 : Int(router.effectivePriority),
            priorityReasons: verdict.faultReasons + verdict.adjustmentReasons, masterAddress: master,
            secondsSinceTransition: lastTransition.map { Int(now.since($0).nanoseconds / 1_000_000_000) },
            virtualAddresses: settings.virtualAddresses.map(\.description),
            version: Int(settings.version.rawValue),
            advertIntervalMilliseconds: Int(router.masterAdvertInterval.milliseconds),
            administrativeBackup: router.administrativeMode == .backup, advertsSent: counters.advertsSent,
            advertsReceived: counters.advertsReceived, transitions: counters.transitions,
            discards: counters.discards)
        stats.vipsRestored = counters.vipsRestored
        stats.addressListMismatchesAccepted = counters.addressListMismatchesAccepted
        stats.gratuitousFramesDropped = counters.gratuitousFramesDropped
        return stats
    }
}

extension VRRPState {
    /// keepalived's words, which runbooks and notify scripts already match on.
    var label: String {
        switch self {
        case .initialize: return "INIT"
        case .backup: return "BACKUP"
        case .master: return "MASTER"
        case .fault: return "FAULT"
        }
    }
}
