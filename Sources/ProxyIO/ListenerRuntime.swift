import BalanceCore
import ConfigModel
import HealthCore
import Metrics
import MonotonicTime

/// One listener as the data plane runs it: its pool, its picker, its queue and its sockets.
final class ListenerRuntime {
    var config: ListenerConfig
    var pool: [ServerRuntime]
    /// Effective weight of each pool server the health view lets this listener use, nil for the others;
    /// parallel to `pool`. Empty until the first routing table arrives: nobody checked means nobody eligible.
    var eligibleWeights: [Int?]
    var picker: BalancePicker
    var queue = WaitQueue<SessionRef>()
    /// Listening sockets keyed by fd; each is registered with epoll under its own token.
    var sockets: [DataPlaneSettings.BoundSocket] = []
    /// Accepted sessions, queued ones included; `traffic.current` is what `maxconn` limits.
    let traffic = TrafficCounters()
    /// Per server name: sessions this listener sent to it.
    private(set) var serverTraffic: [String: TrafficCounters] = [:]
    var queueMax = 0
    var queueTimeouts = 0
    /// Clients refused because their host already held `maxconn_per_source` sessions here.
    var perSourceRefusals = 0
    /// How long clients waited in the queue, whether they got a server or an error.
    let queueWait: Metrics.Timer
    /// True while accepting is paused because this listener or the process is at maxconn.
    var paused = false
    /// Sessions per client host, kept while `maxconn_per_source` is set.
    private(set) var sourceSessions: [HostKey: Int] = [:]

    init(config: ListenerConfig, pool: [ServerRuntime]) {
        self.config = config
        self.pool = pool
        self.eligibleWeights = Array(repeating: nil, count: pool.count)
        self.picker = BalancePicker(algorithm: config.balance, poolSize: pool.count)
        self.queueWait = Metrics.Timer(label: "pgfloat_queue_wait_seconds", dimensions: [("listener", config.name)])
    }

    var name: String { config.name }

    var isFull: Bool { traffic.current >= config.maxconn }

    /// What balancing sees of the pool at `now`.
    func loads(at now: MonotonicInstant) -> [ServerLoad] {
        pool.indices.map { position in
            let server = pool[position]
            let weight = eligibleWeights[position]
            return ServerLoad(
                weight: weight ?? 0, maxconn: server.config.maxconn, sessions: server.sessions,
                backup: server.config.backup,
                available: weight != nil && !(server.suspendedUntil.map { now < $0 } ?? false))
        }
    }

    /// The counters of this listener's sessions to `server`, made on first use.
    func traffic(to server: ServerRuntime) -> TrafficCounters {
        if let counters = serverTraffic[server.name] { return counters }
        let counters = TrafficCounters()
        serverTraffic[server.name] = counters
        return counters
    }

    /// Counts a new session of `host` unless that would exceed `maxconn_per_source`; false means refuse it.
    func sourceBegan(_ host: HostKey) -> Bool {
        let current = sourceSessions[host, default: 0]
        guard current < config.maxconnPerSource else { return false }
        sourceSessions[host] = current + 1
        return true
    }

    func sourceEnded(_ host: HostKey) {
        guard let current = sourceSessions[host] else { return }
        sourceSessions[host] = current > 1 ? current - 1 : nil
    }

    /// Takes the eligible servers and weights of `table` for this listener's pool.
    func adopt(_ table: RoutingTable) {
        let weights = Dictionary(
            (table.eligible[name] ?? []).map { ($0.name, $0.weight) }, uniquingKeysWith: { first, _ in first })
        eligibleWeights = pool.map { weights[$0.name] }
    }
}
