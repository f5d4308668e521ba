/// What balancing needs to know about one server at the moment of a pick.
///
/// Values, not references: the data plane builds them from its live server table so that every algorithm here
/// can be tested without sockets.
public struct ServerLoad: Sendable, Equatable {
    /// Relative share, 0...256. Zero keeps the server out of balancing without taking it down.
    public var weight: Int
    /// Sessions the server may hold at once; 0 means no limit.
    public var maxconn: Int
    /// Sessions it holds now, across every listener.
    public var sessions: Int
    /// Only used when no non-backup server of the pool is eligible.
    public var backup: Bool
    /// Whether health checks (and, later, the runtime API) allow new sessions to it.
    public var available: Bool

    public init(weight: Int, maxconn: Int = 0, sessions: Int = 0, backup: Bool = false, available: Bool = true) {
        self.weight = weight
        self.maxconn = maxconn
        self.sessions = sessions
        self.backup = backup
        self.available = available
    }

    /// Eligible servers may take new sessions once they have a free slot.
    public var isEligible: Bool { available && weight > 0 }

    public var hasFreeSlot: Bool { maxconn == 0 || sessions < maxconn }
}
