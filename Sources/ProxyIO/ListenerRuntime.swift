import BalanceCore
import ConfigModel

/// One listener as the data plane runs it: its pool, its picker, its queue and its sockets.
final class ListenerRuntime {
    var config: ListenerConfig
    var pool: [ServerRuntime]
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
        self.picker = BalancePicker(algorithm: config.balance, poolSize: pool.count)
    }

    var name: String { config.name }

    var isFull: Bool { sessions >= config.maxconn }
}
