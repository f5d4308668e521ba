import BalanceCore
import ConfigModel

/// One PostgreSQL server as the data plane sees it: where to connect, whether checks allow it, and its load.
///
/// A reference type so that sessions keep pointing at the server they were routed to even after a reload
/// removes it from the configuration.
final class ServerRuntime {
    var config: ServerConfig
    var address: SocketAddress
    /// Set by health checks; a server nobody has checked yet takes no sessions.
    var available = false
    /// Sessions connecting or established to this server, across listeners.
    var sessions = 0
    var totalSessions = 0
    var connectFailures = 0

    init(config: ServerConfig, address: SocketAddress) {
        self.config = config
        self.address = address
    }

    var name: String { config.name }

    var load: ServerLoad {
        ServerLoad(
            weight: config.weight, maxconn: config.maxconn, sessions: sessions, backup: config.backup,
            available: available)
    }
}
