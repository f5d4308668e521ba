/// One command of the runtime API: the HAProxy-compatible subset operators' runbooks use, plus pgfloat's own
/// `show servers roles`, `show vrrp`, `set vrrp`, `show dcs` and `clear timeline`.
///
/// Parsing is ``parse(_:)`` (in `AdminCommand+Parse.swift`); a line is cut into commands by
/// ``AdminCommandLine/split(_:)`` first.
public enum AdminCommand: Equatable, Sendable {
    case help
    /// Toggles interactive mode (prompts, connection kept open).
    case prompt
    case quit
    case showInfo
    case showStat
    /// HAProxy's `show servers state [backend]`; nil lists every listener.
    case showServersState(listener: String?)
    case showServersRoles
    case showSessions
    case showVRRP
    /// The store Patroni's leader is followed in.
    case showDCS
    case setServerState(ServerReference, AdminState)
    /// A weight in HAProxy's range 0...256.
    case setServerWeight(ServerReference, Int)
    /// HAProxy's `disable server`: the same as `set server ... state maint`.
    case disableServer(ServerReference)
    /// HAProxy's `enable server`: the same as `set server ... state ready`.
    case enableServer(ServerReference)
    /// Closes the server's established sessions.
    case shutdownSessions(ServerReference)
    case setVRRPState(instance: String, VRRPAdminRequest)
    /// Forgets the newest primary timeline, so a primary on an older one may take writes again: for a cluster
    /// restored from a backup.
    case clearTimeline

    /// The highest weight HAProxy accepts; pgfloat keeps its range so runbooks port unchanged.
    public static let maxWeight = 256
}
