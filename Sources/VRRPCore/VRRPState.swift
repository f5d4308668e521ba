/// Where a virtual router stands (RFC 5798 6.4, plus keepalived's FAULT).
public enum VRRPState: String, Hashable, Sendable {
    /// Not running: before `start`, after `shutdown` (RFC 5798 6.4.1).
    ///
    /// Can transition to: `backup` (start), `master` (start as address owner), `fault` (start while faulted).
    case initialize
    /// Listening for the master's adverts and ready to take over (RFC 5798 6.4.2).
    ///
    /// Can transition to: `master` (Master_Down_Timer, or `resume` as address owner), `fault`, `initialize`.
    case backup
    /// Holding the virtual addresses and advertising (RFC 5798 6.4.3).
    ///
    /// Can transition to: `backup` (a better master, or `handover`), `fault`, `initialize`.
    case master
    /// Unable to serve: link down or a tracked check failed (keepalived's FAULT). Sends nothing, holds nothing.
    ///
    /// Can transition to: `backup` or `master` (fault cleared, as at startup), `initialize`.
    case fault
}
