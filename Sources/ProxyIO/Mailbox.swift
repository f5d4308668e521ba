import HealthCore
import ThreadMailbox

/// Commands from the control side (health checks, signals, reloads, the runtime API) to the data-plane thread.
enum DataPlaneCommand {
    case apply(DataPlaneSettings)
    case routing(RoutingTable)
    case shutdown(grace: Duration)
    /// Runs the closure with a snapshot holding up to `sessionRows` session rows, on the data-plane thread.
    case snapshot(sessionRows: Int, @Sendable (DataPlaneSnapshot) -> Void)
    case shutdownSessions(listener: String?, server: String, reply: @Sendable (Int) -> Void)
    /// Answers at once with the descriptors held: proof for VRRP's `track_proxy` that the loop is turning.
    case ping(@Sendable (Int) -> Void)
}
