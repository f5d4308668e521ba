/// What a server says its role is.
public enum ServerRole: String, Sendable, Equatable, CaseIterable {
    case primary
    case replica
    /// The check cannot tell (tcp, pg-hello, agent, an external script that printed no role).
    case unknown
}

/// What an agent asked for, HAProxy agent-check style.
public enum AgentDirective: Sendable, Equatable {
    /// `up` / `ready`: take sessions at the configured weight.
    case ready
    /// `drain`: no new sessions, existing ones continue.
    case drain
    /// `maint`: like drain, and the server is shown in maintenance.
    case maintenance
    /// `NN%`: take sessions at this percentage of the configured weight.
    case weightPercent(Int)
}

/// The result of one health check of one server, whatever the check type.
public struct CheckOutcome: Sendable, Equatable {
    /// Whether the server answered as a live, usable PostgreSQL (for Patroni: state "running").
    public var reachable: Bool
    /// Why it is not reachable (or what went wrong), for logs; never holds a secret.
    public var error: String?
    public var role: ServerRole
    /// The timeline the server is on, when the check can tell.
    public var timeline: Int?
    /// WAL position in bytes (an LSN as a 64-bit number): the current write position of a primary, the replay
    /// position of a replica. Lag is computed from these across servers.
    public var walPosition: UInt64?
    /// Lag the check reported directly (Patroni's `lag` field), used when no primary position is known.
    public var reportedLag: UInt64?
    /// A replica's received WAL position in bytes: what its WAL receiver has written to disk. Received minus
    /// replayed is lag measured on the replica alone, free of the skew between two servers' check schedules.
    public var receivedPosition: UInt64?
    /// How old the last transaction a replica replayed is, zero while it streams and has replayed all it received
    /// (an idle primary sends nothing newer); nil when the check cannot tell.
    public var replayDelay: Duration?
    /// Whether a replica's WAL receiver streams from an upstream; nil when the check cannot tell.
    public var streaming: Bool?
    public var agent: AgentDirective?
    /// The SQLSTATE of the server's error reply, when the check got one instead of an answer.
    public var sqlState: String?
    /// The server answered, but too busy to run the check (see ``ServerErrorClass/busy``): the result says
    /// nothing about its health, so it counts neither toward rise nor fall. `reachable` is false, as it carries
    /// no role or position either.
    public var inconclusive: Bool
    /// What Patroni said of the member beyond its role (tags, synchronous, standby leader, pause); nil when the
    /// check does not ask Patroni.
    public var patroni: PatroniFacts?
    /// How long the check took.
    public var duration: Duration

    public init(
        reachable: Bool, error: String? = nil, role: ServerRole = .unknown, timeline: Int? = nil,
        walPosition: UInt64? = nil, reportedLag: UInt64? = nil, receivedPosition: UInt64? = nil,
        replayDelay: Duration? = nil, streaming: Bool? = nil, agent: AgentDirective? = nil, sqlState: String? = nil,
        inconclusive: Bool = false, patroni: PatroniFacts? = nil, duration: Duration = .zero
    ) {
        self.reachable = reachable
        self.error = error
        self.role = role
        self.timeline = timeline
        self.walPosition = walPosition
        self.reportedLag = reportedLag
        self.receivedPosition = receivedPosition
        self.replayDelay = replayDelay
        self.streaming = streaming
        self.agent = agent
        self.sqlState = sqlState
        self.inconclusive = inconclusive
        self.patroni = patroni
        self.duration = duration
    }

    /// A failed check.
    public static func failed(_ error: String, duration: Duration = .zero) -> CheckOutcome {
        CheckOutcome(reachable: false, error: error, duration: duration)
    }
}
