import BalanceCore
import CSysShim
import Glibc
import PGWire

extension DataPlane {
    /// Makes the running state match `settings`: servers and listeners are matched by name and updated in
    /// place, so established sessions keep their server and listener objects whatever the reload changed.
    func apply(_ settings: DataPlaneSettings) {
        deferringQueueService { update(to: settings) }
    }

    private func update(to settings: DataPlaneSettings) {
        defaults = settings.defaults
        logSessions = settings.logSessions
        relayHandoffAge = settings.relayHandoffAge

        var updatedServers: [String: ServerRuntime] = [:]
        for server in settings.servers {
            guard let address = server.addresses.first else { continue }
            if let existing = servers[server.config.name] {
                existing.config = server.config
                existing.address = address
                updatedServers[server.config.name] = existing
            } else {
                updatedServers[server.config.name] = ServerRuntime(config: server.config, address: address)
            }
        }
        servers = updatedServers

        let previous = Dictionary(uniqueKeysWithValues: listeners.map { ($0.name, $0) })
        var updatedListeners: [ListenerRuntime] = []
        for listener in settings.listeners {
            let pool = listener.config.servers.compactMap { updatedServers[$0] }
            let runtime: ListenerRuntime
            if let existing = previous[listener.config.name] {
                let poolChanged = existing.pool.count != pool.count || zip(existing.pool, pool).contains { $0 !== $1 }
                if poolChanged || existing.config.balance != listener.config.balance {
                    existing.picker = BalancePicker(algorithm: listener.config.balance, poolSize: pool.count)
                }
                existing.config = listener.config
                existing.pool = pool
                runtime = existing
            } else {
                runtime = ListenerRuntime(config: listener.config, pool: pool)
            }
            runtime.sockets = listener.sockets
            runtime.adopt(routing)
            updatedListeners.append(runtime)
        }

        let keptNames = Set(settings.listeners.map(\.config.name))
        for removed in listeners where !keptNames.contains(removed.name) { refuseQueue(of: removed) }
        listeners = updatedListeners
        rebindListenerSockets()
        // A reload that raised maxconn lets paused listeners accept again at once.
        resumeAccepting()
    }

    /// Registers new listening sockets and closes the ones no listener uses any more.
    private func rebindListenerSockets() {
        var wanted: [Int32: ListenerRuntime] = [:]
        for listener in listeners {
            for socket in listener.sockets { wanted[socket.fd] = listener }
        }
        for (fd, _) in listenerByFD where wanted[fd] == nil {
            _ = shim_epoll_del(epollFD, fd)
            close(fd)
        }
        for fd in wanted.keys { tuneListenerSocket(fd) }
        for (fd, listener) in wanted where listenerByFD[fd] == nil {
            let events = listener.paused ? 0 : SHIM_EPOLLIN
            let status = shim_epoll_add(epollFD, fd, events, listenerToken(fd))
            if status != 0 { logger.error("cannot watch listener socket", metadata: ["errno": "\(-status)"]) }
        }
        listenerByFD = wanted
    }

    /// Options accepted sockets inherit, set once here instead of per connection, and TCP_DEFER_ACCEPT so a
    /// connect that never sends a byte waits in the kernel (`timeout_startup` rounded up to whole SYN-ACK
    /// retransmits) instead of taking a slot.
    /// Set on every reload, since listening sockets outlive reloads that change the timeout.
    private func tuneListenerSocket(_ fd: Int32) {
        _ = shim_set_nodelay(fd)
        let seconds = max(1, defaults.timeoutStartup.nanoseconds / 1_000_000_000)
        _ = shim_set_defer_accept(fd, Int32(clamping: seconds))
    }

    func closeSockets(_ sockets: [DataPlaneSettings.BoundSocket]) {
        for socket in sockets where listenerByFD.removeValue(forKey: socket.fd) != nil {
            _ = shim_epoll_del(epollFD, socket.fd)
            close(socket.fd)
        }
    }

    /// Clients waiting on a listener that a reload removed get an error rather than a wait that cannot end.
    private func refuseQueue(of listener: ListenerRuntime) {
        while let entry = listener.queue.popFirst() {
            guard let session = session(entry.id) else { continue }
            session.endReason = .refused
            let message = "pgfloat: listener \"\(listener.name)\" was removed by a configuration reload"
            refuse(session, with: ErrorResponse(sqlState: SQLState.cannotConnectNow, message: message))
        }
    }
}
