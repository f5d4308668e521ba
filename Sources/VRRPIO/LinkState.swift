/// The state of an interface's link, for `track_interface`: a tracked interface that is not usable lowers the
/// instance's priority or sends it to FAULT.
public struct LinkState: Hashable, Sendable {
    /// `IFF_UP`: the administrator brought the interface up (`ip link set up`).
    public var isUp: Bool
    /// `IFF_RUNNING`: the kernel reports the link operational (carrier present, RFC 2863 operstate up).
    public var isRunning: Bool

    public init(isUp: Bool, isRunning: Bool) {
        self.isUp = isUp
        self.isRunning = isRunning
    }

    /// Up and running: VRRP packets can leave and arrive on it.
    public var isUsable: Bool { isUp && isRunning }
}
