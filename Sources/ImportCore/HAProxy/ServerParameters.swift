import ConfigModel

/// The parameters of one `server` line (or a `default-server` line), each with the line it was set on.
///
/// A server's effective parameters are its section's `default-server` (itself over the `defaults` one) with its
/// own written over them, as HAProxy applies them.
struct ServerParameters: Sendable, Equatable {
    var check: Sourced<Bool>?
    var port: Sourced<Int>?
    var inter: Sourced<Duration>?
    var fastinter: Sourced<Duration>?
    var downinter: Sourced<Duration>?
    var rise: Sourced<Int>?
    var fall: Sourced<Int>?
    var backup: Sourced<Bool>?
    var weight: Sourced<Int>?
    var maxconn: Sourced<Int>?
    var slowstart: Sourced<Duration>?
    var shutdownOnMarkedDown: Sourced<Bool>?
    var shutdownBackupOnMarkedUp: Sourced<Bool>?
    var checkSSL: Sourced<Bool>?
    var caFile: Sourced<String>?
    var agent: Sourced<Bool>?
    var agentPort: Sourced<Int>?
    var agentInter: Sourced<Duration>?

    /// These parameters with every one `other` sets written over them.
    func overlaid(with other: ServerParameters) -> ServerParameters {
        ServerParameters(
            check: other.check ?? check, port: other.port ?? port, inter: other.inter ?? inter,
            fastinter: other.fastinter ?? fastinter, downinter: other.downinter ?? downinter,
            rise: other.rise ?? rise, fall: other.fall ?? fall, backup: other.backup ?? backup,
            weight: other.weight ?? weight, maxconn: other.maxconn ?? maxconn,
            slowstart: other.slowstart ?? slowstart,
            shutdownOnMarkedDown: other.shutdownOnMarkedDown ?? shutdownOnMarkedDown,
            shutdownBackupOnMarkedUp: other.shutdownBackupOnMarkedUp ?? shutdownBackupOnMarkedUp,
            checkSSL: other.checkSSL ?? checkSSL, caFile: other.caFile ?? caFile, agent: other.agent ?? agent,
            agentPort: other.agentPort ?? agentPort, agentInter: other.agentInter ?? agentInter)
    }
}

/// One `server` line, with its effective parameters.
struct ParsedServer: Sendable, Equatable {
    var name: String
    var host: String
    /// Nil when the line gives none: HAProxy then uses the port the client connected to.
    var port: Int?
    var parameters: ServerParameters
    var origin: Origin
}

/// What a backend's check directives asked for, before it is known which servers use it.
enum CheckRequest: Sendable, Equatable {
    /// `option httpchk` / `http-check send`: an HTTP request, Patroni's API when the URI is one of its endpoints.
    case http(method: String, uri: String)
    /// `option pgsql-check`, with its `user`.
    case pgsql(user: String?)
    /// `option external-check`.
    case external
    /// `option tcp-check`, or no check option: a connect.
    case tcp
}

/// The `stats` part of a proxy section: when present, the section is pgfloat's HTTP endpoint, not a listener.
struct StatsSettings: Sendable, Equatable {
    /// The first `stats` directive, which makes the section a stats section.
    var firstDirective: Origin?
    var uri: Sourced<String>?
    var refresh: Sourced<Duration>?

    var isStats: Bool { firstDirective != nil }
}

/// Timeouts a proxy may set; all but `check` become `[defaults]` keys.
enum TimeoutKind: String, Sendable, CaseIterable {
    case connect, client, server, queue, check, tunnel
}

/// One `defaults`, `listen`, `frontend` or `backend` section, with what it inherited from `defaults`.
struct ProxySettings: Sendable {
    var kind: HAProxySectionKind
    var name: String
    var origin: Origin
    var mode: Sourced<String>?
    var balance: Sourced<BalanceAlgorithm>?
    var maxconn: Sourced<Int>?
    var timeouts: [TimeoutKind: Sourced<Duration>] = [:]
    var retries: Sourced<Int>?
    var check: Sourced<CheckRequest>?
    var externalCommand: Sourced<String>?
    var defaultServer = ServerParameters()
    var binds: [Sourced<String>] = []
    var servers: [ParsedServer] = []
    var defaultBackend: Sourced<String>?
    var stats = StatsSettings()

    init(kind: HAProxySectionKind, name: String, origin: Origin) {
        self.kind = kind
        self.name = name
        self.origin = origin
    }

    /// A new proxy section that starts from these defaults, as HAProxy's proxies inherit the `defaults` section
    /// above them.
    func inherited(kind: HAProxySectionKind, name: String, origin: Origin) -> ProxySettings {
        var proxy = self
        proxy.kind = kind
        proxy.name = name
        proxy.origin = origin
        proxy.binds = []
        proxy.servers = []
        proxy.stats = StatsSettings()
        return proxy
    }
}
