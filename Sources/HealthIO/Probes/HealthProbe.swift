import HealthCore
import NIOCore

/// One server's health check, kept between runs so that connections can be reused: Patroni's API serves only five
/// requests at a time and a `pgsql` check should not pay for a login every interval.
///
/// A probe lives on the event loop it was made for; both methods may be called from any thread.
public protocol HealthProbe: AnyObject, Sendable {
    /// Runs one check within the settings' timeout. The future never fails: errors become an unreachable outcome
    /// whose `error` says why, and `duration` holds how long the check took.
    func check() -> EventLoopFuture<CheckOutcome>

    /// Closes kept connections and kills a running script. Call it before dropping the probe.
    func shutdown() -> EventLoopFuture<Void>
}
