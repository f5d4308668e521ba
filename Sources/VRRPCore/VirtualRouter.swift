// The VRRP election for one instance, as a value: events in, actions out (RFC 5798 6, RFC 3768 6).
//
// Contract:
// - Every event carries the current instant; the router never reads a clock. Deadlines come back as
//   `.armTimer` actions, and the driver calls `timerFired` with the timer value when one expires.
// - Timers live only in the state that armed them: every state change forgets all armings, so a late firing from a
//   previous state is stale and ignored. Hence `.advert` fires only in master and `.masterDown` only in backup.
// - The driver validates every advert with `settings.validate` before `received`; the router trusts the fields.
// - `administrativeMode == .backup` keeps the router out of master until `resume`: no Master_Down_Timer runs then.
// - `isFaulted` is the last `setFault` value; it survives `shutdown`, so `start` on a faulted link goes to fault.
// - A master leaving by `shutdown` or `handover` first releases (`release`, VirtualRouter+Release.swift): it stays
//   master with its addresses, advertising priority 0 until a successor speaks, then until that successor has
//   announced them (its second advert, or 100 ms after its first), within Master_Down_Interval.
// - `isStopping` is set by `shutdown` and cleared only by `start`: a stopping router never elects itself again,
//   so a fault raised during the stop's release, or one that clears during the stop (while other instances still
//   release), ends in `initialize`.

import MonotonicTime
import NetTypes

/// One VRRP virtual router: the state machine of RFC 5798 6.4 with keepalived's fault state, tracking-adjusted
/// priority, preempt delay and administrative backup.
public struct VirtualRouter: Sendable {
    /// The instance's settings; they must have no `problems`. `reconfigure` replaces them on reload.
    public internal(set) var settings: VRRPInstanceSettings
    /// Where the election stands.
    public internal(set) var state: VRRPState = .initialize
    /// Whether the operator holds this router in backup (`handover`) or lets the election decide (`resume`).
    public internal(set) var administrativeMode: VRRPAdministrativeMode = .automatic
    /// The last value given to `setFault`.
    public internal(set) var isFaulted = false
    /// Whether `shutdown` was called since the last `start`.
    public internal(set) var isStopping = false
    /// The sum of the tracking weights now applied to the configured priority (negative lowers it).
    public internal(set) var priorityAdjustment = 0
    /// Master_Adver_Interval (RFC 5798 6.1): our own interval until a VRRPv3 master announces another.
    public internal(set) var masterAdvertInterval: Duration
    /// The master this backup last accepted an advert from; nil in other states or before the first advert.
    public internal(set) var knownMaster: VRRPKnownMaster?

    /// The live arming of each timer kind.
    var armedTimers: [VRRPTimer.Kind: VRRPTimer] = [:]
    /// The last arming number handed out.
    var lastArming: UInt64 = 0
    /// When a backup stops tolerating a lower-priority master (keepalived's `preempt_time`); nil until one is seen.
    var preemptDelayEnds: MonotonicInstant?
    /// What the last Master_Down_Timer was counted from, so that a priority change can rescale it; meaningful
    /// while `armedTimers[.masterDown]` is set.
    var masterDownStart: MasterDownStart?
    /// Set while a resigning master keeps its addresses until a new master has announced them.
    var release: VRRPRelease?

    /// A router in `initialize`; call `start` to run it.
    public init(settings: VRRPInstanceSettings) {
        precondition(settings.problems.isEmpty, "settings must be validated: \(settings.problems)")
        self.settings = settings
        self.masterAdvertInterval = settings.advertInterval
    }

    /// The priority sent and compared: the configured one, or with tracking applied, kept within 1...254 so that
    /// tracking never makes a router the address owner. The owner's own 255 never changes (RFC 5798 5.2.4;
    /// keepalived ignores tracking at 255 and pgfloat's config refuses weights there).
    public var effectivePriority: UInt8 {
        if priorityAdjustment == 0 || settings.priority == 255 { return settings.priority }
        return UInt8(min(254, max(1, Int(settings.priority) + priorityAdjustment)))
    }

    /// Skew_Time, which lets the highest-priority backup take over first.
    ///
    /// VRRPv2 (RFC 3768 6.1): (256 - Priority) / 256 seconds, whatever the interval. VRRPv3 (RFC 5798 6.1):
    /// ((256 - Priority) * Master_Adver_Interval) / 256. The RFC counts in centiseconds; this keeps nanoseconds,
    /// as keepalived keeps microseconds, so that short intervals still give each priority its own skew.
    public var skewTime: Duration {
        let weight = Int64(256 - Int(effectivePriority))
        switch settings.version {
        case .v2:
            return .nanoseconds(weight * 1_000_000_000 / 256)
        case .v3:
            return .nanoseconds(weight * Int64(masterAdvertInterval.nanoseconds) / 256)
        }
    }

    /// Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time (RFC 5798 6.1, RFC 3768 6.1).
    public var masterDownInterval: Duration {
        masterAdvertInterval * 3 + skewTime
    }
}

/// The instant a Master_Down_Timer counts from (entering backup, or the last advert accepted) and whether it runs
/// for Skew_Time only.
struct MasterDownStart: Sendable {
    var instant: MonotonicInstant
    var skewOnly: Bool
}

/// The sender of the last advert a backup accepted.
public struct VRRPKnownMaster: Hashable, Sendable {
    /// The advert's IP source, the master's primary address.
    public var address: IPAddress
    /// The priority it advertised.
    public var priority: UInt8

    public init(address: IPAddress, priority: UInt8) {
        self.address = address
        self.priority = priority
    }
}
