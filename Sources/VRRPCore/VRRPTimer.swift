/// A timer the driver runs for a virtual router, named by kind and identified by the arming.
///
/// Each kind has at most one live arming. The driver keeps one pending timer per kind, replacing it when the same
/// kind is armed again, and hands the value back to `VirtualRouter.timerFired` when it expires. There is no cancel
/// action: a timer the router no longer wants may still fire and is ignored, because its arming is stale.
public struct VRRPTimer: Hashable, Sendable {
    /// The timers of RFC 5798 6.2, plus the gratuitous repeat; the raw value is a label for logs.
    public enum Kind: String, Hashable, Sendable {
        /// Master_Down_Timer (RFC 5798 6.2): a backup takes over when it expires.
        case masterDown = "master_down"
        /// Adver_Timer (RFC 5798 6.2): a master advertises when it expires.
        case advert
        /// A master's second gratuitous ARP / unsolicited NA burst (keepalived's `garp_master_delay`).
        case gratuitousRepeat = "gratuitous_repeat"
        /// A master's second burst after hearing a lower-priority master (keepalived's `garp_lower_prio_delay`).
        case lowerPriorityGratuitous = "lower_priority_gratuitous"
        /// Ends a resigning master's wait: Master_Down_Interval after it resigned, or shortly after a new master's
        /// first advert (VirtualRouter+Release).
        case release
    }

    /// Which timer this is; the driver keeps one pending timer per kind.
    public let kind: Kind
    /// Which arming of `kind` this is; only the router compares it.
    let arming: UInt64
}
