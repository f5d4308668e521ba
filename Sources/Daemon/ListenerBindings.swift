import ConfigModel
import Glibc
import Logging
import ProxyIO

/// The control side's record of which bind endpoints have listening sockets, so a reload binds only what is
/// new and hands unchanged sockets over as they are (no client sees a refused connect during a reload).
///
/// The data plane owns the descriptors once handed over and closes the ones a new configuration drops; this
/// table only forgets them.
struct ListenerBindings {
    private var sockets: [Endpoint: [DataPlaneSettings.BoundSocket]] = [:]

    /// Sockets for every listener of `config`: existing ones reused, new ones bound. Throws with the config line
    /// of the first bind that fails, after closing what this call opened.
    mutating func bind(_ config: PGFloatConfig, logger: Logger) throws -> [DataPlaneSettings.Listener] {
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
                    let fresh = try open(endpoint, config: config, logger: logger)
                    opened += fresh.map(\.fd)
                    next[endpoint] = fresh
                    bound += fresh
                }
                listeners.append(.init(config: listener, sockets: bound))
            }
            sockets = next
            return listeners
        } catch {
            for fd in opened { close(fd) }
            throw error
        }
    }

    private func open(_ endpoint: Endpoint, config: PGFloatConfig, logger: Logger) throws
        -> [DataPlaneSettings.BoundSocket]
    {
        do {
            return try SocketAddress.resolve(host: endpoint.host, port: endpoint.port).map { address in
                let (fd, freebind) = try ListenerSocket.open(address)
                if freebind {
                    logger.notice("bound a non-local address with IP_FREEBIND", metadata: ["bind": "\(address)"])
                }
                return .init(fd: fd, endpoint: endpoint, address: "\(address)")
            }
        } catch {
            throw ConfigErrors([
                ConfigFile.problem(config, endpoint.line, "listener.bind", "\(endpoint): \(error)")
            ])
        }
    }
}
