/// Why a virtual router changed state; the raw value is a stable label for logs and notify hooks.
public enum VRRPTransitionReason: String, Hashable, Sendable {
    /// `start` as a non-owner (RFC 5798 6.4.1).
    case startup
    /// Priority 255 takes mastership at once (RFC 5798 6.4.1).
    case addressOwner = "address_owner"
    /// No advert from a master for Master_Down_Interval, or Skew_Time after a priority 0 advert (RFC 5798 6.4.2).
    case masterDown = "master_down"
    /// An advert with higher priority, or equal priority from a higher address (RFC 5798 6.4.3).
    case preempted
    /// `setFault(true)`.
    case faultRaised = "fault_raised"
    /// `setFault(false)`: the router starts over as at startup.
    case faultCleared = "fault_cleared"
    /// `handover`: the operator asked this node to release the addresses.
    case administrativeBackup = "administrative_backup"
    /// `shutdown` (RFC 5798 6.4.2, 6.4.3).
    case shutdown
}
