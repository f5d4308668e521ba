import ConfigModel
import MonotonicTime

/// One PostgreSQL server as the data plane sees it: where to connect, whether checks allow it, and its load.
///
/// A reference type so that sessions keep pointing at the server they were routed to even after a reload
/// removes it from the configuration.
final class ServerRuntime {
    var config: ServerConfig
    var address: SocketAddress
    /// Sessions connecting or established to this server, across listeners.
    var sessions = 0
    var connectFailures = 0
    /// A refused or timed-out connect keeps the server out of balancing until then, so clients wait in the queue
    /// for the checks to catch up instead of failing against a server that just died.
    var suspendedUntil: MonotonicInstant?

    init(config: ServerConfig, address: SocketAddress) {
        self.config = config
        self.address = address
    }

    var name: String { config.name }
}
