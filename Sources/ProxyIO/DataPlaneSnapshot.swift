/// The data plane's counters at one moment, copied on its thread for the runtime API, stats page and metrics.
public struct DataPlaneSnapshot: Sendable {
    /// Session and byte counts of a listener or of one server within it.
    public struct Traffic: Sendable, Equatable {
        public var current: Int
        public var max: Int
        public var total: Int
        /// Bytes from clients and to clients, live sessions included.
        public var bytesIn: UInt64
        public var bytesOut: UInt64
    }

    public struct Server: Sendable {
        public var name: String
        public var address: String
        public var traffic: Traffic
        /// Connects to this server that failed, from any listener.
        public var connectFailures: Int
    }

    public struct Listener: Sendable {
        public var name: String
        public var traffic: Traffic
        public var queueCurrent: Int
        public var queueMax: Int
        public var queueTimeouts: Int
        /// Clients refused because their host held `maxconn_per_source` sessions.
        public var perSourceRefusals: Int
        /// Pool servers, in pool order.
        public var servers: [Server]
    }

    public struct Session: Sendable {
        /// Slot and generation: unique among live sessions.
        public var id: String
        public var listener: String
        public var client: String
        public var server: String?
        public var phase: String
        public var age: Duration
        public var bytesIn: UInt64
        public var bytesOut: UInt64
    }

    public var listeners: [Listener]
    public var sessions: [Session]
    /// Client connections held now and accepted since start, all listeners.
    public var currentSessions: Int
    public var acceptedSessions: Int
    public var queued: Int
    public var maxconn: Int
    /// First packets refused, by `FirstPacketRejection` raw value.
    public var badStartups: [String: Int]
    /// Cancel forwards by `CancelTarget` raw value (`owner`, `broadcast`), every target listed.
    public var cancelsForwarded: [String: Int]
    /// Undelivered cancels by `CancelDropReason` raw value (`rate-limited`, ...), every reason listed.
    public var cancelsDropped: [String: Int]
    /// Connections that opened with a TLS ClientHello (PostgreSQL 17 `sslnegotiation=direct`).
    public var directTLSSessions: Int
    public var acceptErrors: Int
    /// Server connections pgfloat could not open for lack of its own resources, by `call:ERRNO`.
    public var localErrors: [String: Int]
    /// The relay running: `epoll`, or `sockmap` (the kernel relays established sessions, BPF sockmap).
    public var relay: String
    /// Why `[global] relay` asked for sockmap and got epoll (the program or a map would not load); nil otherwise.
    public var relayFallbackReason: String?
    /// Sessions the kernel relays now, and sessions handed to it since start.
    public var kernelSessions: Int
    public var kernelHandoffs: Int
    /// Sessions the kernel relay's maps refused, which stayed with the epoll relay.
    public var kernelFallbacks: Int
    /// Times a kernel-relayed direction came back to user space: its grant ran out, or its peer fell behind.
    public var kernelTakeovers: Int
    /// Bytes the kernel moved between sessions' sockets without pgfloat reading them, both ways.
    public var kernelRedirectedBytes: UInt64
}
