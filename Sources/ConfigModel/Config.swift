/// The whole of one `pgfloat.toml`, typed and validated.
///
/// Every value keeps the line it came from so that later checks (name resolution, binding) can report
/// `FILE:LINE: key: message` in the same format as the parser.
public struct PGFloatConfig: Sendable, Equatable {
    /// The file the configuration was read from, as given on the command line.
    public var path: String
    public var global: GlobalSettings
    public var defaults: Defaults
    public var check: CheckSettings
    public var servers: [ServerConfig]
    public var listeners: [ListenerConfig]
    /// VRRP instances that float addresses to this node; empty when something else moves them.
    public var vrrp: [VRRPConfig]
    /// The store Patroni publishes its leader in; nil routes by the checks alone.
    public var dcs: DCSConfig?

    public init(
        path: String, global: GlobalSettings = .init(), defaults: Defaults = .init(), check: CheckSettings = .init(),
        servers: [ServerConfig] = [], listeners: [ListenerConfig] = [], vrrp: [VRRPConfig] = [],
        dcs: DCSConfig? = nil
    ) {
        self.path = path
        self.global = global
        self.defaults = defaults
        self.check = check
        self.servers = servers
        self.listeners = listeners
        self.vrrp = vrrp
        self.dcs = dcs
    }

    /// The server with this name, if the configuration defines one.
    public func server(named name: String) -> ServerConfig? {
        servers.first { $0.name == name }
    }
}

/// `[global]`: process-wide settings.
public struct GlobalSettings: Sendable, Equatable {
    /// Unix socket of the runtime API (HAProxy's stats socket), created with mode 0660.
    public var adminSocket: String?
    /// Group that owns the admin socket, so operators in it can use it without root.
    public var adminGroup: String?
    /// Address of the HTTP stats page, status JSON, health and Prometheus metrics.
    public var statsBind: Endpoint?
    /// A file of `user:password` lines; when set, the HTTP endpoint asks for basic auth (except `/health`).
    public var statsAuthFile: String?
    /// Whether the HTTP endpoint accepts runtime API commands (`POST /admin`); off by default, as HAProxy's
    /// `stats admin`.
    public var statsAdmin: Bool
    /// How often the stats page reloads itself.
    public var statsRefresh: Duration
    /// How long SIGTERM waits for established sessions before closing them.
    public var shutdownGrace: Duration
    /// Whether each finished session is logged (one line per session).
    public var logSessions: Bool
    /// The user VRRP notify scripts, track scripts and external checks run as (keepalived's `script_user`);
    /// nil keeps the daemon's own user.
    public var scriptUser: String?
    /// The user the daemon switches to when started as root, keeping CAP_NET_ADMIN, CAP_NET_RAW and
    /// CAP_NET_BIND_SERVICE only; nil stays root. Files read after start (this file, password and auth files) must
    /// be readable by it.
    public var user: String?
    /// The group used with `user` instead of its primary group; nil is the user's own.
    public var group: String?
    /// SCHED_RR priority (1-99) of the VRRP thread alone (keepalived's `vrrp_rt_priority`); nil leaves it in the
    /// normal scheduler. Needs `LimitRTPRIO=` at least this high, or CAP_SYS_NICE.
    public var vrrpRTPriority: Int?
    /// Whether the process locks its memory (`mlockall`, keepalived's `vrrp_no_swap`), so that an advert never
    /// waits on a page coming back from swap. Needs `LimitMEMLOCK=` above the process's size.
    public var lockMemory: Bool
    /// How established sessions' bytes are moved (`auto` by default: the kernel relay where it can load); read at
    /// start only (a reload that changes it is logged and waits for the next restart).
    public var relay: RelayMode
    /// How long after its server connection a session must have lived before the kernel relay takes it (at its
    /// next quiet point): short connections gain less than entering and leaving the maps costs. Reloadable.
    public var relayHandoffAge: Duration

    public init(
        adminSocket: String? = nil, adminGroup: String? = nil, statsBind: Endpoint? = nil,
        statsAuthFile: String? = nil, statsAdmin: Bool = false, statsRefresh: Duration = .seconds(5),
        shutdownGrace: Duration = .seconds(30), logSessions: Bool = true, scriptUser: String? = nil,
        user: String? = nil, group: String? = nil, vrrpRTPriority: Int? = nil, lockMemory: Bool = false,
        relay: RelayMode = .auto, relayHandoffAge: Duration = .milliseconds(100)
    ) {
        self.adminSocket = adminSocket
        self.adminGroup = adminGroup
        self.statsBind = statsBind
        self.statsAuthFile = statsAuthFile
        self.statsAdmin = statsAdmin
        self.statsRefresh = statsRefresh
        self.shutdownGrace = shutdownGrace
        self.logSessions = logSessions
        self.scriptUser = scriptUser
        self.user = user
        self.group = group
        self.vrrpRTPriority = vrrpRTPriority
        self.lockMemory = lockMemory
        self.relay = relay
        self.relayHandoffAge = relayHandoffAge
    }
}

/// `[global] relay`: who moves an established session's bytes.
public enum RelayMode: String, Sendable, CaseIterable {
    /// The data plane's epoll loop reads and writes every byte (HAProxy's design).
    case epoll
    /// A BPF sockmap program in the kernel redirects each socket's bytes to its peer once the session has started
    /// up; needs CAP_BPF and CAP_NET_ADMIN at start. If the program cannot be loaded, epoll runs instead (logged).
    case sockmap
    /// sockmap when the kernel and the privileges allow it, epoll otherwise (the default: `bench/proxy.sh` measured
    /// the kernel relay ahead of HAProxy and of epoll).
    case auto
}

/// `[defaults]`: timeouts and limits shared by every listener.
public struct Defaults: Sendable, Equatable {
    public var timeoutConnect: Duration
    /// Time a new client has to send its first packet (startup, TLS request or cancel) before it is closed.
    public var timeoutStartup: Duration
    /// Idle time allowed on the client side of a session: nothing read from the client and nothing written to it.
    public var timeoutClient: Duration
    /// Idle time allowed on the server side of a session: nothing read from the server and nothing written to it.
    public var timeoutServer: Duration
    /// How long a new client waits for an eligible server before it is refused with SQLSTATE 57P03.
    public var timeoutQueue: Duration
    /// Connect attempts after the first, each to the next eligible server.
    public var retries: Int
    /// Sessions the whole process holds at once.
    public var maxconn: Int

    public init(
        timeoutConnect: Duration = .seconds(5), timeoutStartup: Duration = .seconds(10),
        timeoutClient: Duration = .seconds(1800),
        timeoutServer: Duration = .seconds(1800), timeoutQueue: Duration = .seconds(30), retries: Int = 3,
        maxconn: Int = 10000
    ) {
        self.timeoutConnect = timeoutConnect
        self.timeoutStartup = timeoutStartup
        self.timeoutClient = timeoutClient
        self.timeoutServer = timeoutServer
        self.timeoutQueue = timeoutQueue
        self.retries = retries
        self.maxconn = maxconn
    }
}

/// The kinds of health check a server can have.
public enum CheckType: String, Sendable, Equatable, CaseIterable {
    /// A TCP connect to the server's address.
    case tcp
    /// An SSLRequest: any 'S' or 'N' answer means a live PostgreSQL; needs no user.
    case pgHello = "pg-hello"
    /// A SQL query over a kept-open connection: role, WAL position and timeline (repmgr, pg_auto_failover).
    case pgsql
    /// `GET /patroni` on Patroni's REST API: role, state, timeline and WAL position in one request.
    case patroni
    /// A line from a TCP agent: `up`, `down`, `drain`, `maint` or a weight like `75%` (HAProxy's agent-check).
    case agent
    /// A command run with a timeout: exit 0 is up; `role=primary|replica` on stdout gives the role.
    case external
}

/// How the `pgsql` check protects its connection.
public enum CheckTLSMode: String, Sendable, Equatable, CaseIterable {
    case disable
    case prefer
    case require
}

/// `[check]`: the one health check every server gets, shared by every listener.
public struct CheckSettings: Sendable, Equatable {
    public var type: CheckType
    public var interval: Duration
    public var timeout: Duration
    /// Consecutive successes that bring a down server up, and primary answers that make a server the primary.
    public var rise: Int
    /// Consecutive failures that take an up server down.
    public var fall: Int
    /// Interval while a server's state is changing or a listener has no eligible server.
    public var fastInterval: Duration
    /// Interval while a server is down; nil means `interval`.
    public var downInterval: Duration?
    /// Port the check talks to when it is not the server's PostgreSQL port (Patroni's API, an agent).
    public var port: Int?
    /// `patroni`: "http" or "https".
    public var scheme: String
    /// `patroni` over https and `pgsql` with TLS: CA bundle to verify the server with.
    public var caFile: String?
    /// `patroni`: a file holding `user:password` for basic auth.
    public var authFile: String?
    /// `pgsql`: the role the check logs in as.
    public var user: String
    /// `pgsql`: the database it connects to.
    public var database: String
    /// `pgsql`: a file holding the password (SCRAM-SHA-256 or md5); none for trust or peer setups.
    public var passwordFile: String?
    /// `pgsql`: whether the check connection uses TLS.
    public var sslmode: CheckTLSMode
    /// `external`: the command line, run without a shell's help (split on spaces).
    public var command: String?

    public init(
        type: CheckType = .tcp, interval: Duration = .seconds(3), timeout: Duration = .seconds(2), rise: Int = 2,
        fall: Int = 3, fastInterval: Duration = .milliseconds(500), downInterval: Duration? = nil, port: Int? = nil,
        scheme: String = "http", caFile: String? = nil, authFile: String? = nil, user: String = "postgres",
        database: String = "postgres", passwordFile: String? = nil, sslmode: CheckTLSMode = .prefer,
        command: String? = nil
    ) {
        self.type = type
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
        self.fastInterval = fastInterval
        self.downInterval = downInterval
        self.port = port
        self.scheme = scheme
        self.caFile = caFile
        self.authFile = authFile
        self.user = user
        self.database = database
        self.passwordFile = passwordFile
        self.sslmode = sslmode
        self.command = command
    }

    /// The settings one server's check runs with: `[check]` with the server's own overrides.
    public func forServer(_ server: ServerConfig) -> CheckSettings {
        var settings = self
        if let type = server.checkType { settings.type = type }
        if let port = server.checkPort { settings.port = port }
        return settings
    }

    /// The port the check connects to for `server`.
    public func checkPort(for server: ServerConfig) -> Int {
        if let port { return port }
        return type == .patroni ? 8008 : server.address.port
    }
}

/// One `[[server]]`: a PostgreSQL node, defined once and shared by listeners.
public struct ServerConfig: Sendable, Equatable {
    public var name: String
    public var address: Endpoint
    /// Relative share for weighted balancing, 0...256; 0 takes no new sessions by balancing.
    public var weight: Int
    /// Sessions this server takes at once; 0 means no limit. Beyond it clients queue.
    public var maxconn: Int
    /// Used only when no non-backup server of the listener is eligible.
    public var backup: Bool
    /// A server that comes back ramps its effective weight from about 0 to `weight` over this time.
    public var slowstart: Duration
    /// This server's check type, when it differs from `[check] type`.
    public var checkType: CheckType?
    /// This server's check port, when it differs from `[check] port`.
    public var checkPort: Int?
    /// Line of the `[[server]]` header.
    public var line: Int

    public init(
        name: String, address: Endpoint, weight: Int = 100, maxconn: Int = 0, backup: Bool = false,
        slowstart: Duration = .zero, checkType: CheckType? = nil, checkPort: Int? = nil, line: Int = 0
    ) {
        self.name = name
        self.address = address
        self.weight = weight
        self.maxconn = maxconn
        self.backup = backup
        self.slowstart = slowstart
        self.checkType = checkType
        self.checkPort = checkPort
        self.line = line
    }
}

/// Which servers a listener may route to, by the role checks learnt.
public enum ListenerRole: String, Sendable, Equatable, CaseIterable {
    /// The one primary (on a split brain, the one on the newest timeline, or none).
    case primary
    /// Replicas whose lag is within the listener's `max_lag` (and that stream, with `require_streaming`).
    case replica
    /// Any reachable server, whatever its role.
    case any
    /// Replicas, or the primary when no replica qualifies.
    case replicaOrPrimary = "replica-or-primary"
    /// Replicas Patroni lists as synchronous standbys (its `/sync`), with the `replica` conditions.
    case sync
    /// Replicas Patroni does not list as synchronous standbys (its `/async`), with the `replica` conditions.
    case async
    /// The leader of a Patroni standby cluster (its `/standby-leader`): a replica to clients.
    case standbyLeader = "standby-leader"

    /// Whether the role takes replicas by the `replica` conditions (`max_lag`, `require_streaming`,
    /// `noloadbalance`, `tags`).
    public var takesReplicas: Bool {
        switch self {
        case .replica, .replicaOrPrimary, .sync, .async: return true
        case .primary, .any, .standbyLeader: return false
        }
    }

    /// Whether the role's pool can hold the primary, so that its sessions there may write and are closed when that
    /// server loses the role (`on_primary_lost`).
    public var mayReachPrimary: Bool {
        switch self {
        case .primary, .any, .replicaOrPrimary: return true
        case .replica, .sync, .async, .standbyLeader: return false
        }
    }

    /// Whether the role needs what only Patroni tells (a `patroni` check or `[dcs]`): synchronous standbys, the
    /// standby leader.
    public var needsPatroni: Bool {
        switch self {
        case .sync, .async, .standbyLeader: return true
        case .primary, .replica, .any, .replicaOrPrimary: return false
        }
    }
}

/// What happens to a listener's sessions on a server that leaves its pool (`on_marked_down`) or, for a primary
/// listener, that lost the primary role (`on_primary_lost`).
public enum MarkedDownAction: String, Sendable, Equatable, CaseIterable {
    /// Sessions continue until they end by themselves.
    case none
    /// Sessions are closed at once (a demoted primary's clients must not keep writing to it).
    case shutdownSessions = "shutdown-sessions"
}

/// What happens to a listener's sessions on backup servers when a non-backup server comes up.
public enum MarkedUpAction: String, Sendable, Equatable, CaseIterable {
    case none
    /// Sessions on backup servers are closed so clients come back to the regular servers.
    case shutdownBackupSessions = "shutdown-backup-sessions"
}

/// How a listener picks among its eligible servers.
public enum BalanceAlgorithm: String, Sendable, Equatable, CaseIterable {
    /// The first eligible server in configuration order that has a free slot.
    case first
    /// Weighted round robin.
    case roundrobin
    /// The server with the fewest sessions relative to its weight.
    case leastconn
    /// A hash of the client address, so one client keeps landing on the same server.
    case source
}

/// One `[[listener]]`: a set of client-facing binds routed to one pool of servers.
public struct ListenerConfig: Sendable, Equatable {
    public var name: String
    public var binds: [Endpoint]
    public var role: ListenerRole
    public var balance: BalanceAlgorithm
    /// Sessions this listener holds at once; beyond it new clients wait in the queue.
    public var maxconn: Int
    /// Sessions one client address may hold on this listener at once; beyond it the client is refused with
    /// SQLSTATE 53300. Zero: no limit.
    public var maxconnPerSource: Int
    /// Names of the servers in this listener's pool, in configuration order.
    public var servers: [String]
    /// Replicas further behind than this leave a `replica` pool after `fall` checks over it; nil: no limit.
    public var maxLag: LagLimit?
    /// Whether a `replica` pool takes only replicas whose WAL receiver streams from an upstream.
    public var requireStreaming: Bool
    /// Patroni tags a server must carry with these values to be used, as Patroni's `?tag_key=value` (empty: any
    /// tags). Values are the text Patroni compares (`true`, `1`, `east`). Roles `primary` and `standby-leader`
    /// have none, as Patroni's leader endpoints ignore tags.
    public var tags: [String: String]
    public var onMarkedDown: MarkedDownAction
    public var onMarkedUp: MarkedUpAction
    /// What a `primary` listener does with its sessions on a server that lost the primary role (a demoted or
    /// deposed primary, which is never marked down while it answers, or one whose check fails once another server
    /// is primary); the other roles ignore it.
    public var onPrimaryLost: MarkedDownAction
    /// Line of the `[[listener]]` header.
    public var line: Int

    public init(
        name: String, binds: [Endpoint], role: ListenerRole = .any, balance: BalanceAlgorithm = .roundrobin,
        maxconn: Int = 1000, maxconnPerSource: Int = 0, servers: [String], maxLag: LagLimit? = nil,
        requireStreaming: Bool = false, tags: [String: String] = [:], onMarkedDown: MarkedDownAction = .none,
        onMarkedUp: MarkedUpAction = .none, onPrimaryLost: MarkedDownAction = .shutdownSessions, line: Int = 0
    ) {
        self.name = name
        self.binds = binds
        self.role = role
        self.balance = balance
        self.maxconn = maxconn
        self.maxconnPerSource = maxconnPerSource
        self.servers = servers
        self.maxLag = maxLag
        self.requireStreaming = requireStreaming
        self.tags = tags
        self.onMarkedDown = onMarkedDown
        self.onMarkedUp = onMarkedUp
        self.onPrimaryLost = onPrimaryLost
        self.line = line
    }
}

/// A `host:port` pair as written in the file. Names are resolved at the I/O edge, at start and on reload.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// An IPv4 or IPv6 literal (without brackets) or a host name.
    public var host: String
    public var port: Int
    /// Line where this endpoint was written, for errors found when resolving or binding it.
    public var line: Int

    public init(host: String, port: Int, line: Int = 0) {
        self.host = host
        self.port = port
        self.line = line
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public static func == (lhs: Endpoint, rhs: Endpoint) -> Bool {
        lhs.host == rhs.host && lhs.port == rhs.port
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(host)
        hasher.combine(port)
    }
}

/// One problem found in a configuration, printed as `FILE:LINE: key: message`.
public struct ConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The key as written, qualified by its table (`listener.bind`, `defaults.timeout_queue`).
    public var key: String
    public var message: String

    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String { "\(file):\(line): \(key): \(message)" }
}

/// Every problem found in a configuration; thrown when there is at least one.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(_ problems: [ConfigProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
