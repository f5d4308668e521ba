import ConfigModel

/// Everything the data plane needs from one configuration, with names resolved and sockets bound.
///
/// Built on the control side at start and on every reload; the data plane diffs it against what it runs.
public struct DataPlaneSettings: Sendable {
    public struct Server: Sendable {
        public var config: ServerConfig
        /// Resolved addresses in resolver order; connects use the first.
        public var addresses: [SocketAddress]

        public init(config: ServerConfig, addresses: [SocketAddress]) {
            self.config = config
            self.addresses = addresses
        }
    }

    public struct Listener: Sendable {
        public var config: ListenerConfig
        /// Listening sockets, one per resolved bind address. The data plane owns them from now on.
        public var sockets: [BoundSocket]

        public init(config: ListenerConfig, sockets: [BoundSocket]) {
            self.config = config
            self.sockets = sockets
        }
    }

    /// A listening socket and the bind it serves.
    public struct BoundSocket: Sendable, Hashable {
        public var fd: Int32
        public var endpoint: Endpoint
        public var address: String

        public init(fd: Int32, endpoint: Endpoint, address: String) {
            self.fd = fd
            self.endpoint = endpoint
            self.address = address
        }
    }

    public var defaults: Defaults
    public var logSessions: Bool
    /// `[global] relay_handoff_age`: how old a session must be before the kernel relay takes it.
    public var relayHandoffAge: Duration
    public var servers: [Server]
    public var listeners: [Listener]

    public init(
        defaults: Defaults, logSessions: Bool, servers: [Server], listeners: [Listener],
        relayHandoffAge: Duration = .milliseconds(100)
    ) {
        self.relayHandoffAge = relayHandoffAge
        self.defaults = defaults
        self.logSessions = logSessions
        self.servers = servers
        self.listeners = listeners
    }
}
