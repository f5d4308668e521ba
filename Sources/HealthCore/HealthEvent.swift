/// Something one check result changed about one server: one log line each.
///
/// Events are data so that the rules that produce them are tested without a logger; the driver decides the log
/// level and format.
public struct HealthEvent: Sendable, Equatable {
    /// What changed, with the value before and after.
    public enum Change: Sendable, Equatable {
        /// Rise/fall decided the server is up or down.
        case reachability(from: HealthCounter.State, to: HealthCounter.State)
        /// The role routing trusts changed.
        case role(from: ServerRole, to: ServerRole)
        /// The agent asked for something else.
        case agent(from: AgentDirective?, to: AgentDirective?)
        /// The server answered another timeline (a promotion starts a new one).
        case timeline(from: Int?, to: Int?)
        /// A replica listener started (`up`) or stopped (`down`) taking the replica: its `max_lag` and
        /// `require_streaming`, by rise/fall over the replica's lag readings.
        case freshness(listener: String, from: HealthCounter.State, to: HealthCounter.State)
        /// The replica was seen departing from the cluster's history (another timeline, ahead of the primary),
        /// or following it again.
        case divergence(diverged: Bool)
        /// The server answered checks too busy to run them (53300, 57014, ...): `count` such checks since the
        /// last report. Nothing changed; reported at most once per `ServerHealth.inconclusiveReportPeriod`.
        case inconclusive(sqlState: String?, count: Int)
        /// Patroni's maintenance mode (`patronictl pause`) went on or off, as this member reported it: while
        /// paused Patroni fails nothing over, so a dead primary stays dead until an operator acts.
        case maintenance(paused: Bool)
    }

    /// The server's configured name.
    public var server: String
    public var change: Change
    /// Plain words for the log: "3 failed checks: connection refused", "answered replica", "2/2 primary answers".
    public var why: String
    /// How long the check that caused the change took.
    public var checkDuration: Duration

    public init(server: String, change: Change, why: String, checkDuration: Duration) {
        self.server = server
        self.change = change
        self.why = why
        self.checkDuration = checkDuration
    }
}
