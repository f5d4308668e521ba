import MonotonicTime
import NetTypes

/// Something the driver must do for a virtual router, in the order the router returns them.
public enum VRRPAction: Hashable, Sendable {
    /// Send an advert at this priority: `VRRPInstanceSettings.advertisement(priority:)`, encoded for the multicast
    /// group or each unicast peer.
    case sendAdvert(priority: UInt8)
    /// Configure the virtual addresses on the interface.
    case addVIPs([IPNetwork])
    /// Remove the virtual addresses from the interface.
    case removeVIPs([IPNetwork])
    /// Announce the addresses: a burst of gratuitous ARP for IPv4 or unsolicited Neighbor Advertisements for IPv6
    /// (RFC 5798 6.4.2).
    case sendGratuitous([IPAddress])
    /// Announce the addresses again with `frames` frames per address, because another router acted as master
    /// and clients may hold its MAC (keepalived's `garp_lower_prio_repeat`). Not a takeover: the driver's
    /// re-announcement schedule after becoming master is left alone.
    case reannounce([IPAddress], frames: Int)
    /// Run `timer` at `deadline`, replacing any pending timer of the same kind.
    case armTimer(VRRPTimer, at: MonotonicInstant)
    /// Log the change and run notify hooks.
    case stateChanged(from: VRRPState, to: VRRPState, why: VRRPTransitionReason)
}
