import BalanceCore
import ConfigModel
import HealthCore
import MonotonicTime

/// One listener as the data plane runs it: its pool, its picker, its queue and its sockets.
final class ListenerRuntime {
    var config: ListenerConfig
    var pool: [ServerRuntime]
    /// Effective weight of each pool server the health view lets this listener use, nil for the others;
    /// parallel to `pool`. Empty until the first routing table arrives: nobody checked means nobody eligible.
    var eligibleWeights: [Int?]
    var picker: BalancePicker
    var queue = WaitQueue<Int>()
    /// Listening sockets keyed by fd; each is registered with epoll under its own token.
    var sockets: [DataPlaneSettings.BoundSocket] = []
    /// Accepted sessions, queued ones included: what `maxconn` limits.
    var sessions = 0
    var totalSessions = 0
    var queueTimeouts = 0
    /// True while accepting is paused because this listener or the process is at maxconn.
    var paused = false

    init(config: ListenerConfig, pool: [ServerRuntime]) {
        self.config = config
        self.pool = pool
        self.eligibleWeights = Array(repeating: nil, count: pool.count)
        self.picker = BalancePicker(algorithm: config.balance, poolSize: pool.count)
    }

    var name: String { config.name }

    var isFull: Bool { sessions >= config.maxconn }

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

    /// Takes the eligible servers and weights of `table` for this listener's pool.
    func adopt(_ table: RoutingTable) {
        let weights = Dictionary(
            (table.eligible[name] ?? []).map { ($0.name, $0.weight) }, uniquingKeysWith: { first, _ in first })
        eligibleWeights = pool.map { weights[$0.name] }
    }
}
