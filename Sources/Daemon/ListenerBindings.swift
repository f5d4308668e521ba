import ConfigModel
import Glibc
import Logging
import ProxyIO

/// The control side's record of which bind endpoints have listening sockets, so a reload binds only what is
/// new and hands unchanged sockets over as they are (no client sees a refused connect during a reload).
///
/// Binding is a transaction: `bind` opens what a configuration adds without touching the record, and closes all
/// of it when one bind fails; the caller `commit`s a bind that succeeded when it hands the sockets to the data
/// plane. A reload that fails thus leaves the running listeners exactly as they were, and nothing half-bound.
///
/// The data plane owns the descriptors once handed over and closes the ones a new configuration drops; this
/// table only forgets them.
struct ListenerBindings {
    /// Sockets bound for a configuration, not yet in the record.
    struct Transaction {
        /// Every listener of the configuration with its sockets, existing and new.
        let listeners: [DataPlaneSettings.Listener]
        fileprivate let table: [Endpoint: [DataPlaneSettings.BoundSocket]]
    }

    private var sockets: [Endpoint: [DataPlaneSettings.BoundSocket]] = [:]

    /// Sockets for every listener of `config`: existing ones reused, new ones bound. Throws with the config line
    /// of the first bind that fails, after closing what this call opened; the record is unchanged either way.
    func bind(_ config: PGFloatConfig, logger: Logger) throws -> Transaction {
        var opened: [Int32] = []
        var next: [Endpoint: [DataPlaneSettings.BoundSocket]] = [:]
        do {
            var listeners: [DataPlaneSettings.Listener] = []
            for listener in config.listeners {
                var bound: [DataPlaneSettings.BoundSocket] = []
                for endpoint in listener.binds {
                    if let existing = next[endpoint] ?? sockets[endpoint] {
                        next[endpoint] = existing
                        bound += existing
                        continue
                    }
                    let fresh = try open(endpoint, config: config, logger: logger, opened: &opened)
                    next[endpoint] = fresh
                    bound += fresh
                }
                listeners.append(.init(config: listener, sockets: bound))
            }
            return Transaction(listeners: listeners, table: next)
        } catch {
            for fd in opened { close(fd) }
            throw error
        }
    }

    /// Records the transaction's sockets as the running ones; its listeners go to the data plane.
    mutating func commit(_ transaction: Transaction) {
        sockets = transaction.table
    }

    /// Binds every address `endpoint` resolves to, adding each descriptor to `opened` as soon as it exists, so
    /// that a failure on a later address closes the earlier ones too.
    private func open(_ endpoint: Endpoint, config: PGFloatConfig, logger: Logger, opened: inout [Int32]) throws
        -> [DataPlaneSettings.BoundSocket]
    {
        do {
            var bound: [DataPlaneSettings.BoundSocket] = []
            for address in try SocketAddress.resolve(host: endpoint.host, port: endpoint.port) {
                let (fd, freebind) = try ListenerSocket.open(address)
                opened.append(fd)
                if freebind {
                    logger.notice("bound a non-local address with IP_FREEBIND", metadata: ["bind": "\(address)"])
                }
                bound.append(.init(fd: fd, endpoint: endpoint, address: "\(address)"))
            }
            return bound
        } catch {
            throw ConfigErrors([
                ConfigFile.problem(config, endpoint.line, "listener.bind", "\(endpoint): \(error)")
            ])
        }
    }
}
