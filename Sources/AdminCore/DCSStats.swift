/// The store pgfloat follows Patroni's leader in (`show dcs`, `/status.json`, `pgfloat_dcs_*`).
public struct DCSStats: Sendable, Equatable {
    /// "etcd3".
    public var type: String
    /// "connecting" (never read since start), "connected" or "lost".
    public var state: String
    /// The endpoint the watch runs through; empty while not connected.
    public var endpoint: String
    /// The last revision seen.
    public var revision: Int64
    /// The leader key's member name.
    public var leader: String?
    /// The `[[server]]` that member is.
    public var leaderServer: String?
    /// What decides writes now: "leader", "checks", "fenced", "none" (no leader key) or "unmapped" (a leader
    /// that is no configured server).
    public var writes: String
    public var lastEventAgeSeconds: Double?
    /// How long the store has been unreachable; nil while connected.
    public var lostForSeconds: Double?
    /// "keep" or "fence".
    public var onLoss: String
    public var events: Int
    public var reconnects: Int
    /// Re-reads after the revision to resume from was compacted.
    public var resyncs: Int
    /// Watches given up because the liveness read saw a leader change they never delivered (a connection a NAT
    /// or firewall dropped without a reset); each is followed by a re-read.
    public var staleWatches: Int
    /// Times the checks contradicted the leader key (filled in from the health view).
    public var disagreements: Int
    public var members: [DCSMemberStats]

    public init(
        type: String, state: String, endpoint: String = "", revision: Int64 = 0, leader: String? = nil,
        leaderServer: String? = nil, writes: String, lastEventAgeSeconds: Double? = nil,
        lostForSeconds: Double? = nil, onLoss: String, events: Int = 0, reconnects: Int = 0, resyncs: Int = 0,
        staleWatches: Int = 0, disagreements: Int = 0, members: [DCSMemberStats] = []
    ) {
        self.type = type
        self.state = state
        self.endpoint = endpoint
        self.revision = revision
        self.leader = leader
        self.leaderServer = leaderServer
        self.writes = writes
        self.lastEventAgeSeconds = lastEventAgeSeconds
        self.lostForSeconds = lostForSeconds
        self.onLoss = onLoss
        self.events = events
        self.reconnects = reconnects
        self.resyncs = resyncs
        self.staleWatches = staleWatches
        self.disagreements = disagreements
        self.members = members
    }
}

/// One Patroni member record as the store holds it.
public struct DCSMemberStats: Sendable, Equatable {
    public var name: String
    /// The `[[server]]` it maps to; nil when none does.
    public var server: String?
    public var role: String
    public var state: String

    public init(name: String, server: String?, role: String, state: String) {
        self.name = name
        self.server = server
        self.role = role
        self.state = state
    }
}
