import HealthCore

/// Everything the runtime API, the stats page and the metrics show, taken at one moment.
///
/// The drivers fill it (the data plane its counters, the health checker its view, the VRRP module its instances)
/// and the renderers only read it, so every report is a pure function of one snapshot and can be tested without
/// sockets. It holds no secret: no password, no check credentials, no auth file contents.
public struct StatsSnapshot: Sendable, Equatable {
    public var process: ProcessStats
    /// In configuration order.
    public var listeners: [ListenerStats]
    /// One row per server per listener whose pool holds it: listener order, then pool order.
    public var servers: [ServerStats]
    /// Accepted client connections, oldest first.
    public var sessions: [SessionStats]
    /// Empty when no `[[vrrp]]` instance is configured.
    public var vrrp: [VRRPInstanceStats]
    /// Nil when no `[dcs]` is configured.
    public var dcs: DCSStats?

    public init(
        process: ProcessStats, listeners: [ListenerStats] = [], servers: [ServerStats] = [],
        sessions: [SessionStats] = [], vrrp: [VRRPInstanceStats] = [], dcs: DCSStats? = nil
    ) {
        self.process = process
        self.listeners = listeners
        self.servers = servers
        self.sessions = sessions
        self.vrrp = vrrp
        self.dcs = dcs
    }
}

/// Process-wide figures (`show info`).
public struct ProcessStats: Sendable, Equatable {
    public var version: String
    public var pid: Int32
    public var node: String
    public var uptimeSeconds: Int
    /// Sessions held now, all listeners, queued ones included.
    public var currentSessions: Int
    public var totalSessions: Int
    public var maxconn: Int
    public var queued: Int
    /// Rejected first packets by reason (e.g. "bad-length"), for the malformed-input counters.
    public var badStartups: [String: Int]
    /// CancelRequests forwarded, by target: `owner` (sent to the one server whose BackendKeyData holds the key)
    /// or `broadcast` (one per server a request with an unknown key went to).
    public var cancelsForwarded: [String: Int]
    /// CancelRequests, or forwards of one, not delivered, by reason (`rate-limited`, `in-flight-cap`,
    /// `no-server`, `connect-failed`, `connect-timeout`, `local-error`).
    public var cancelsDropped: [String: Int]
    /// Connections that opened with a TLS ClientHello (PostgreSQL 17 `sslnegotiation=direct`), passed through.
    public var directTLSSessions: Int
    /// The relay running: `epoll` (pgfloat copies every byte), or `sockmap` (the kernel relays established
    /// sessions through a BPF sockmap).
    public var relay: String
    /// Why `[global] relay` asked for sockmap and got epoll (the program or a map would not load); nil when the
    /// relay asked for is the one running.
    public var relayFallbackReason: String?
    /// Sessions the kernel relays now.
    public var kernelSessions: Int
    /// Sessions handed to the kernel relay since start.
    public var kernelHandoffs: Int
    /// Sessions the kernel relay's maps refused since start, which stayed with the epoll relay.
    public var kernelFallbacks: Int
    /// Times since start a kernel-relayed direction came back to user space: its grant ran out, or its peer fell
    /// behind.
    public var kernelTakeovers: Int
    /// Bytes the kernel moved between sessions' sockets without pgfloat reading them, both ways, since start.
    public var kernelRedirectedBytes: UInt64
    public var acceptErrors: Int
    /// Server connections pgfloat could not open for lack of its own resources, by `call:ERRNO`
    /// (`socket:EMFILE`): not the server's fault, and not counted against it.
    public var localErrors: [String: Int]
    /// The primary the split-brain guard chose, if any.
    public var primary: String?
    /// True while several servers claim primary and none could be chosen.
    public var splitBrain: Bool
    /// Check rounds that found a split brain since start.
    public var splitBrainEvents: Int
    /// The newest timeline any server answered primary on (until `clear timeline`); nil before any did.
    public var newestTimeline: Int?
    /// Failed writes of the state file that keeps `newestTimeline` across restarts, since start.
    public var timelineWriteFailures: Int
    /// Every server that says it is primary now, confirmed or not; more than one is an alert.
    public var primaryClaimants: [String]
    /// Whether a server reports Patroni's maintenance mode (`patronictl pause`); nil when no check asks Patroni.
    public var patroniPaused: Bool?
    /// Log lines dropped since start because stderr did not take them fast enough.
    public var logLinesDropped: Int
    /// Reloads since start that failed (and left the running configuration as it was).
    public var reloadFailures: Int

    public init(
        version: String, pid: Int32, node: String, uptimeSeconds: Int, currentSessions: Int = 0,
        totalSessions: Int = 0, maxconn: Int = 0, queued: Int = 0, badStartups: [String: Int] = [:],
        cancelsForwarded: [String: Int] = [:], cancelsDropped: [String: Int] = [:], directTLSSessions: Int = 0,
        relay: String = "epoll", relayFallbackReason: String? = nil, kernelSessions: Int = 0,
        kernelHandoffs: Int = 0, kernelFallbacks: Int = 0, kernelTakeovers: Int = 0,
        kernelRedirectedBytes: UInt64 = 0, acceptErrors: Int = 0,
        localErrors: [String: Int] = [:], primary: String? = nil, splitBrain: Bool = false,
        splitBrainEvents: Int = 0, newestTimeline: Int? = nil, timelineWriteFailures: Int = 0,
        primaryClaimants: [String] = [], patroniPaused: Bool? = nil, logLinesDropped: Int = 0,
        reloadFailures: Int = 0
    ) {
        self.version = version
        self.pid = pid
        self.node = node
        self.uptimeSeconds = uptimeSeconds
        self.currentSessions = currentSessions
        self.totalSessions = totalSessions
        self.maxconn = maxconn
        self.queued = queued
        self.badStartups = badStartups
        self.cancelsForwarded = cancelsForwarded
        self.cancelsDropped = cancelsDropped
        self.directTLSSessions = directTLSSessions
        self.relay = relay
        self.relayFallbackReason = relayFallbackReason
        self.kernelSessions = kernelSessions
        self.kernelHandoffs = kernelHandoffs
        self.kernelFallbacks = kernelFallbacks
        self.kernelTakeovers = kernelTakeovers
        self.kernelRedirectedBytes = kernelRedirectedBytes
        self.acceptErrors = acceptErrors
        self.localErrors = localErrors
        self.primary = primary
        self.splitBrain = splitBrain
        self.splitBrainEvents = splitBrainEvents
        self.newestTimeline = newestTimeline
        self.timelineWriteFailures = timelineWriteFailures
        self.primaryClaimants = primaryClaimants
        self.patroniPaused = patroniPaused
        self.logLinesDropped = logLinesDropped
        self.reloadFailures = reloadFailures
    }
}

extension ProcessStats {
    /// Cancel forwards sent, whatever their target.
    public var cancelsForwardedTotal: Int { cancelsForwarded.values.reduce(0, +) }
    /// Cancels and cancel forwards not delivered, whatever the reason.
    public var cancelsDroppedTotal: Int { cancelsDropped.values.reduce(0, +) }
}

/// One listener: HAProxy's frontend and backend rolled into one row.
public struct ListenerStats: Sendable, Equatable {
    public var name: String
    /// `primary`, `replica`, `replica-or-primary` or `any`.
    public var role: String
    public var balance: String
    public var binds: [String]
    /// Clients waiting for a server now (qcur) and at most since start (qmax).
    public var queueCurrent: Int
    public var queueMax: Int
    /// Sessions now (scur), at most since start (smax), the limit (slim), in total (stot).
    public var sessionsCurrent: Int
    public var sessionsMax: Int
    public var sessionsLimit: Int
    public var sessionsTotal: Int
    /// Bytes from clients (bin) and to clients (bout).
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    /// Clients refused with 57P03 because no server became eligible within `timeout_queue`.
    public var queueTimeouts: Int
    /// Clients refused with 53300 because their host held `maxconn_per_source` sessions.
    public var perSourceRefusals: Int
    /// Servers this listener may send new sessions to now.
    public var eligibleServers: Int

    public init(
        name: String, role: String, balance: String, binds: [String], queueCurrent: Int = 0, queueMax: Int = 0,
        sessionsCurrent: Int = 0, sessionsMax: Int = 0, sessionsLimit: Int = 0, sessionsTotal: Int = 0,
        bytesIn: UInt64 = 0, bytesOut: UInt64 = 0, queueTimeouts: Int = 0, perSourceRefusals: Int = 0,
        eligibleServers: Int = 0
    ) {
        self.name = name
        self.role = role
        self.balance = balance
        self.binds = binds
        self.queueCurrent = queueCurrent
        self.queueMax = queueMax
        self.sessionsCurrent = sessionsCurrent
        self.sessionsMax = sessionsMax
        self.sessionsLimit = sessionsLimit
        self.sessionsTotal = sessionsTotal
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.queueTimeouts = queueTimeouts
        self.perSourceRefusals = perSourceRefusals
        self.eligibleServers = eligibleServers
    }
}

/// What an operator set on a server in one listener through the runtime API: the health view's own words, so
/// the reports show exactly what routing obeys.
public typealias AdminState = ServerAdministration.State

/// One server as seen from one listener.
public struct ServerStats: Sendable, Equatable {
    public var listener: String
    public var name: String
    public var address: String
    /// `UP`, `DOWN`, `DRAIN`, `MAINT` or `no check` (not checked yet), HAProxy's words.
    public var status: String
    public var adminState: AdminState
    /// Weight new sessions are balanced with now (0 when not eligible).
    public var weight: Int
    /// The configured weight, or the one set with `set server ... weight`.
    public var configuredWeight: Int
    public var backup: Bool
    /// Whether this listener may send new sessions to it now.
    public var eligible: Bool
    public var sessionsCurrent: Int
    public var sessionsMax: Int
    /// `maxconn` of the server; 0 when unlimited.
    public var sessionsLimit: Int
    public var sessionsTotal: Int
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    public var connectFailures: Int
    /// Failed checks since start (chkfail) and up-to-down transitions (chkdown).
    public var checkFailures: Int
    public var checkDowns: Int
    /// Checks the server answered too busy to run them (53300, 57014): counted neither as passed nor failed.
    public var checkInconclusive: Int
    /// Seconds since reachability or role last changed; nil before the first change.
    public var lastChangeSeconds: Int?
    /// Seconds spent down since start.
    public var downtimeSeconds: Int
    /// The check type (`pgsql`, `patroni`, ...).
    public var checkType: String
    /// HAProxy-like check status: `L7OK` (answered), `L4CON`/`L4TOUT`/`L7STS` (failed) or `INI` before any check.
    public var checkStatus: String
    /// Why the last check failed, when it did; never holds a secret.
    public var checkError: String?
    public var checkDurationMilliseconds: Int?
    /// `primary`, `replica` or `unknown`.
    public var role: String
    public var timeline: Int?
    public var lagBytes: UInt64?
    /// A replica's replay delay at its last check, in milliseconds; nil when unknown or not a replica.
    public var replayDelayMilliseconds: Int64?
    /// Whether a replica's WAL receiver streams; nil when the check cannot tell or not a replica.
    public var streaming: Bool?
    /// A replica seen on another timeline or ahead of the primary: it takes no reads.
    public var diverged: Bool
    /// What Patroni says of the server (tags, `nofailover`, `nosync`, synchronous, standby leader, pause); nil
    /// when neither a `patroni` check nor `[dcs]` tells.
    public var patroni: PatroniFacts?

    public init(
        listener: String, name: String, address: String, status: String, adminState: AdminState = .ready,
        weight: Int = 0, configuredWeight: Int = 0, backup: Bool = false, eligible: Bool = false,
        sessionsCurrent: Int = 0, sessionsMax: Int = 0, sessionsLimit: Int = 0, sessionsTotal: Int = 0,
        bytesIn: UInt64 = 0, bytesOut: UInt64 = 0, connectFailures: Int = 0, checkFailures: Int = 0,
        checkDowns: Int = 0, checkInconclusive: Int = 0, lastChangeSeconds: Int? = nil, downtimeSeconds: Int = 0,
        checkType: String = "tcp",
        checkStatus: String = "INI", checkError: String? = nil, checkDurationMilliseconds: Int? = nil,
        role: String = "unknown", timeline: Int? = nil, lagBytes: UInt64? = nil,
        replayDelayMilliseconds: Int64? = nil, streaming: Bool? = nil, diverged: Bool = false,
        patroni: PatroniFacts? = nil
    ) {
        self.listener = listener
        self.name = name
        self.address = address
        self.status = status
        self.adminState = adminState
        self.weight = weight
        self.configuredWeight = configuredWeight
        self.backup = backup
        self.eligible = eligible
        self.sessionsCurrent = sessionsCurrent
        self.sessionsMax = sessionsMax
        self.sessionsLimit = sessionsLimit
        self.sessionsTotal = sessionsTotal
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.connectFailures = connectFailures
        self.checkFailures = checkFailures
        self.checkDowns = checkDowns
        self.checkInconclusive = checkInconclusive
        self.lastChangeSeconds = lastChangeSeconds
        self.downtimeSeconds = downtimeSeconds
        self.checkType = checkType
        self.checkStatus = checkStatus
        self.checkError = checkError
        self.checkDurationMilliseconds = checkDurationMilliseconds
        self.role = role
        self.timeline = timeline
        self.lagBytes = lagBytes
        self.replayDelayMilliseconds = replayDelayMilliseconds
        self.streaming = streaming
        self.diverged = diverged
        self.patroni = patroni
    }
}

/// One client connection.
public struct SessionStats: Sendable, Equatable {
    /// Stable for the life of the session (slot and generation).
    public var id: String
    public var listener: String
    public var client: String
    /// The server it was routed to; nil while reading its first packet or queued.
    public var server: String?
    /// `first-packet`, `queued`, `connecting`, `relaying` or `refusing`.
    public var phase: String
    public var ageSeconds: Int
    public var bytesIn: UInt64
    public var bytesOut: UInt64

    public init(
        id: String, listener: String, client: String, server: String?, phase: String, ageSeconds: Int,
        bytesIn: UInt64, bytesOut: UInt64
    ) {
        self.id = id
        self.listener = listener
        self.client = client
        self.server = server
        self.phase = phase
        self.ageSeconds = ageSeconds
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
    }
}

/// One VRRP instance (`show vrrp`).
public struct VRRPInstanceStats: Sendable, Equatable {
    public var name: String
    public var interface: String
    public var virtualRouterID: Int
    /// `INIT`, `BACKUP`, `MASTER` or `FAULT`.
    public var state: String
    public var priority: Int
    /// The priority advertised now, after tracking.
    public var effectivePriority: Int
    /// Why the effective priority differs from the configured one (e.g. "track_backends -20").
    public var priorityReasons: [String]
    public var masterAddress: String?
    public var secondsSinceTransition: Int?
    public var virtualAddresses: [String]
    /// 2 or 3.
    public var version: Int
    public var advertIntervalMilliseconds: Int
    /// True after `set vrrp NAME state backup`, until `auto`.
    public var administrativeBackup: Bool
    public var advertsSent: Int
    public var advertsReceived: Int
    public var transitions: Int
    /// Dropped packets by reason label (`bad_checksum`, `bad_ttl`, `other_vrid`, ...).
    public var discards: [String: Int]
    /// VIPs that vanished while master (an `ip addr flush`, a DHCP renewal) and were added back.
    public var vipsRestored = 0
    /// VRRPv3 adverts accepted although they named other VIPs (peers' configurations differ, as during a rolling
    /// reload that changes the VIP list).
    public var addressListMismatchesAccepted = 0
    /// Gratuitous ARP / unsolicited NA frames given up because the packet socket's queue was full (EAGAIN).
    public var gratuitousFramesDropped = 0

    public init(
        name: String, interface: String, virtualRouterID: Int, state: String, priority: Int,
        effectivePriority: Int, priorityReasons: [String] = [], masterAddress: String? = nil,
        secondsSinceTransition: Int? = nil, virtualAddresses: [String] = [], version: Int = 3,
        advertIntervalMilliseconds: Int = 1000, administrativeBackup: Bool = false, advertsSent: Int = 0,
        advertsReceived: Int = 0, transitions: Int = 0, discards: [String: Int] = [:]
    ) {
        self.name = name
        self.interface = interface
        self.virtualRouterID = virtualRouterID
        self.state = state
        self.priority = priority
        self.effectivePriority = effectivePriority
        self.priorityReasons = priorityReasons
        self.masterAddress = masterAddress
        self.secondsSinceTransition = secondsSinceTransition
        self.virtualAddresses = virtualAddresses
        self.version = version
        self.advertIntervalMilliseconds = advertIntervalMilliseconds
        self.administrativeBackup = administrativeBackup
        self.advertsSent = advertsSent
        self.advertsReceived = advertsReceived
        self.transitions = transitions
        self.discards = discards
    }
}
