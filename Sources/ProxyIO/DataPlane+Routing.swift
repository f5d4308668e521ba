import MonotonicTime
import BalanceCore
import CSysShim
import Glibc
import PGWire

extension DataPlane {
    /// How long a server that refused a connect stays out of balancing.
    static let connectFailureHold = Duration.seconds(1)

    /// Sends a client to a server of its listener, or to the back of the listener's queue.
    func route(_ session: Session) {
        session.routedAt = now
        // Clients already waiting go first: a newcomer never overtakes the queue.
        if !session.listener.queue.isEmpty || !assignServer(to: session) {
            enqueue(session, deadline: now + defaults.timeoutQueue)
        }
    }

    /// Picks a server and starts connecting. Returns false when none can take the session now.
    func assignServer(to session: Session) -> Bool {
        let listener = session.listener
        let loads = listener.loads(at: now)
        let hash = listener.config.balance == .source ? session.client.addressBytesHash : 0
        let failed = session.failedServers
        var result = listener.picker.pick(from: loads, clientHash: hash) { position in
            failed.contains { $0 === listener.pool[position] }
        }
        if case .noneEligible = result, !failed.isEmpty {
            // Every other server is out: retry one that refused us, as HAProxy retries without redispatch.
            result = listener.picker.pick(from: loads, clientHash: hash)
        }
        guard case .server(let position) = result else { return false }
        connect(session, to: listener.pool[position])
        return true
    }

    func enqueue(_ session: Session, deadline: MonotonicInstant) {
        session.phase = .queued
        session.listener.queue.enqueue(session.slot, deadline: deadline)
        session.listener.queueMax = max(session.listener.queueMax, session.listener.queue.count)
        queuedSessions += 1
    }

    /// Gives waiting clients the slots that are free now, oldest first, in every listener.
    func serveQueues() {
        guard queuedSessions > 0 else { return }
        for listener in listeners where !listener.queue.isEmpty {
            while let slot = listener.queue.peekFirst(), let session = sessions[slot] {
                guard assignServer(to: session) else { break }
                _ = listener.queue.popFirst()
                queuedSessions -= 1
                recordQueueWait(of: session)
            }
        }
    }

    /// Refuses queued clients whose wait is over.
    func expireQueues() {
        guard queuedSessions > 0 else { return }
        for listener in listeners where !listener.queue.isEmpty {
            for slot in listener.queue.expire(now: now) {
                queuedSessions -= 1
                guard let session = sessions[slot] else { continue }
                recordQueueWait(of: session)
                listener.queueTimeouts += 1
                counters.queueTimeouts += 1
                session.endReason = .queueTimeout
                refuse(session, with: .noServerAvailable(listener: listener.name, waited: defaults.timeoutQueue))
            }
        }
    }

    /// A client left the queue: the histogram shows how long failovers kept clients waiting.
    private func recordQueueWait(of session: Session) {
        guard let routedAt = session.routedAt else { return }
        session.listener.queueWait.recordNanoseconds(Int64(now.since(routedAt).nanoseconds))
    }

    func connect(_ session: Session, to server: ServerRuntime) {
        session.server = server
        server.sessions += 1
        session.listener.serverTraffic[server.name, default: .init()].began()
        session.connectAttempts += 1
        session.connectStartedAt = now
        session.phase = .connecting
        let fd = shim_tcp_socket(server.address.family)
        guard fd >= 0 else {
            connectFailed(session, message: String(cString: strerror(-fd)))
            return
        }
        _ = shim_set_nodelay(fd)
        let status = server.address.withSockAddr { shim_connect(fd, $0, $1) }
        if status < 0 {
            close(fd)
            connectFailed(session, message: String(cString: strerror(-status)))
            return
        }
        session.serverFD = fd
        // Edge-triggered EPOLLOUT reports the end of the connect, in progress or already done.
        if register(fd, kind: .server, slot: session.slot, generation: session.generation) != 0 {
            connectFailed(session, message: "epoll_ctl failed")
        }
    }

    /// A connect attempt ended without a connection: try the next server, or answer the client with an error.
    func connectFailed(_ session: Session, message: String) {
        if session.serverFD >= 0 {
            close(session.serverFD)
            session.serverFD = -1
        }
        guard let server = session.server else { return }
        server.sessions -= 1
        session.listener.serverTraffic[server.name]?.ended(bytesIn: 0, bytesOut: 0)
        server.connectFailures += 1
        server.suspendedUntil = now + Self.connectFailureHold
        session.server = nil
        session.failedServers.append(server)
        session.lastConnectError = "\(server.name): \(message)"
        logger.warning(
            "connect failed",
            metadata: [
                "listener": "\(session.listener.name)", "server": "\(server.name)", "error": "\(message)",
                "attempt": "\(session.connectAttempts)/\(defaults.retries + 1)",
            ])
        serveQueues()
        if session.connectAttempts <= defaults.retries, assignServer(to: session) { return }
        // No other server can take it now: the client waits for what remains of its queue time, as it would had
        // the checks already seen the failure, instead of getting an error a failover is about to make untrue.
        let deadline = (session.routedAt ?? now) + defaults.timeoutQueue
        if now < deadline {
            enqueue(session, deadline: deadline)
            return
        }
        session.endReason = .connectFailed
        let message =
            "pgfloat: could not connect to a server for \"\(session.listener.name)\" (\(session.lastConnectError))"
        refuse(session, with: ErrorResponse(sqlState: SQLState.cannotConnectNow, message: message))
    }
}
