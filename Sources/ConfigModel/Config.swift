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

    public init(
        path: String, global: GlobalSettings = .init(), defaults: Defaults = .init(), check: CheckSettings = .init(),
        servers: [ServerConfig] = [], listeners: [ListenerConfig] = []
    ) {
        self.path = path
        self.global = global
        self.defaults = defaults
        self.check = check
        self.servers = servers
        self.listeners = listeners
    }

    /// The server with this name, if the configuration defines one.
    public func server(named name: String) -> ServerConfig? {
        servers.first { $0.name == name }
    }
}

/// `[global]`: process-wide settings.
public struct GlobalSettings: Sendable, Equatable {
    /// Unix socket of the runtime API (served by a later component; validated now).
    public var adminSocket: String?
    /// Address of the HTTP stats/metrics endpoint.
    public var statsBind: Endpoint?
    /// How long SIGTERM waits for established sessions before closing them.
    public var shutdownGrace: Duration
    /// Whether each finished session is logged (one line per session).
    public var logSessions: Bool

    public init(
        adminSocket: String? = nil, statsBind: Endpoint? = nil, shutdownGrace: Duration = .seconds(30),
        logSessions: Bool = true
    ) {
        self.adminSocket = adminSocket
        self.statsBind = statsBind
        self.shutdownGrace = shutdownGrace
        self.logSessions = logSessions
    }
}

/// `[defaults]`: timeouts and limits shared by every listener.
public struct Defaults: Sendable, Equatable {
    public var timeoutConnect: Duration
    /// Idle time allowed on the client side of a session.
    public var timeoutClient: Duration
    /// Idle time allowed on the server side of a session.
    public var timeoutServer: Duration
    /// How long a new client waits for an eligible server before it is refused with SQLSTATE 57P03.
    public var timeoutQueue: Duration
    /// Connect attempts after the first, each to the next eligible server.
    public var retries: Int
    /// Sessions the whole process holds at once.
    public var maxconn: Int

    public init(
        timeoutConnect: Duration = .seconds(5), timeoutClient: Duration = .seconds(1800),
        timeoutServer: Duration = .seconds(1800), timeoutQueue: Duration = .seconds(30), retries: Int = 3,
        maxconn: Int = 10000
    ) {
        self.timeoutConnect = timeoutConnect
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
}

/// `[check]`: the one health check every server gets, shared by every listener.
public struct CheckSettings: Sendable, Equatable {
    public var type: CheckType
    public var interval: Duration
    public var timeout: Duration
    /// Consecutive successes that bring a down server up.
    public var rise: Int
    /// Consecutive failures that take an up server down.
    public var fall: Int

    public init(
        type: CheckType = .tcp, interval: Duration = .seconds(3), timeout: Duration = .seconds(2), rise: Int = 2,
        fall: Int = 3
    ) {
        self.type = type
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
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
    /// Line of the `[[server]]` header.
    public var line: Int

    public init(
        name: String, address: Endpoint, weight: Int = 100, maxconn: Int = 0, backup: Bool = false, line: Int = 0
    ) {
        self.name = name
        self.address = address
        self.weight = weight
        self.maxconn = maxconn
        self.backup = backup
        self.line = line
    }
}

/// Which servers a listener may route to. Only `any` has meaning until role-aware checks exist.
public enum ListenerRole: String, Sendable, Equatable, CaseIterable {
    case primary
    case replica
    case any
    case replicaOrPrimary = "replica-or-primary"
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
    /// Names of the servers in this listener's pool, in configuration order.
    public var servers: [String]
    /// Line of the `[[listener]]` header.
    public var line: Int

    public init(
        name: String, binds: [Endpoint], role: ListenerRole = .any, balance: BalanceAlgorithm = .roundrobin,
        maxconn: Int = 1000, servers: [String], line: Int = 0
    ) {
        self.name = name
        self.binds = binds
        self.role = role
        self.balance = balance
        self.maxconn = maxconn
        self.servers = servers
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
