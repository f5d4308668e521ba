import MonotonicTime
import BalanceCore
import CSysShim
import Glibc
import PGWire

// Contract of routing and the wait queues.
//
// A session waiting for a server is in exactly one queue (its listener's), keyed by its `SessionRef`, and in
// phase `.queued`; no other session is in a queue. `queuedSessions` is the sum of the queues' counts by
// construction. Queue service (`serveQueues`) takes an entry off the head before it tries to connect, and puts
// it back if no server can take it; it is never re-entered: an `end` or a failure inside it asks for another
// pass instead. Opening a connection (`startConnect`) reports its outcome and never serves queues itself.
// Failures of pgfloat's own resources hold queue service back for `localFailureHold` instead of blaming the
// server, so a host out of descriptors neither spins nor takes servers out of balancing.
extension DataPlane {
    /// How long a server that refused a connect stays out of balancing.
    static let connectFailureHold = Duration.seconds(1)
    /// How long queue service rests after pgfloat itself ran out of something (descriptors, ports, memory).
    static let localFailureHold = Duration.milliseconds(100)

    /// Sends a client to a server of its listener, or to the back of the listener's queue.
    func route(_ session: Session) {
        session.routedAt = now
        let deadline = now + defaults.timeoutQueue
        // Clients already waiting go first: a newcomer never overtakes the queue.
        if session.listener.queue.isEmpty, !queueServiceHeld, startConnect(session) == .connecting { return }
        enqueue(session, deadline: deadline)
    }

    /// What came of trying to give a session a server.
    enum Placement: Equatable {
        case connecting
        /// No eligible server has a free slot now.
        case noServer
        /// pgfloat could not open a socket: the server is not to blame, and nobody else will fare better now.
        case localFailure
        /// Every attempt `retries` allows failed at once.
        case attemptsSpent
    }

    /// Tries servers until a connect is in flight, none can take the session, or its attempts are spent.
    func startConnect(_ session: Session) -> Placement {
        while true {
            guard let server = pickServer(for: session) else { return .noServer }
            session.connectAttempts += 1
            switch connector.start(to: server.address) {
            case .inFlight(let fd):
                let status = register(fd, kind: .server, slot: session.slot, generation: session.generation)
                if status == 0 {
                    attach(session, to: server, fd: fd)
                    if let refused = sendEarly(session) {
                        _ = detachServer(from: session)
                        serverRefused(server, session: session, message: refused)
                        if session.connectAttempts > defaults.retries { return .attemptsSpent }
                        continue
                    }
                    return .connecting
                }
                close(fd)
                localFailure(session, ConnectError(operation: "epoll_ctl", code: -status))
                return .localFailure
            case .failed(let error) where error.isLocal:
                localFailure(session, error)
                return .localFailure
            case .failed(let error):
                serverRefused(server, session: session, message: error.description)
                if session.connectAttempts > defaults.retries { return .attemptsSpent }
            }
        }
    }

    /// The server balancing picks for the session, preferring ones it has not failed against yet.
    private func pickServer(for session: Session) -> ServerRuntime? {
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
        guard case .server(let position) = result else { return nil }
        return listener.pool[position]
    }

    private func attach(_ session: Session, to server: ServerRuntime, fd: Int32) {
        session.server = server
        session.serverFD = fd
        serverSockets += 1
        server.sessions += 1
        let traffic = session.listener.traffic(to: server)
        traffic.began()
        session.serverTraffic = traffic
        session.connectStartedAt = now
        session.phase = .connecting
    }

    /// A connect to a local server is often complete when `connect` returns: sending the first bytes now saves
    /// the server a wait for our next epoll round. Returns why the server refused, when the send says so.
    private func sendEarly(_ session: Session) -> String? {
        guard !session.toServer.isEmpty else { return nil }
        let written = session.toServer.withUnwritten { shim_write(session.serverFD, $0.baseAddress, $0.count) }
        if written > 0 {
            session.sentEarly = written
            session.lastServerActivity = now
            return nil
        }
        // Still connecting (EAGAIN): epoll reports the end of the connect, and the bytes go then.
        if written == -Int(EAGAIN) || written == -Int(ENOTCONN) || written == 0 { return nil }
        return String(cString: strerror(Int32(-written)))
    }

    func enqueue(_ session: Session, deadline: MonotonicInstant) {
        session.phase = .queued
        session.listener.queue.enqueue(session.ref, deadline: deadline)
        session.listener.queueMax = max(session.listener.queueMax, session.listener.queue.count)
    }

    /// Clients waiting in every listener; the queues are the only record of who waits.
    var queuedSessions: Int { listeners.reduce(0) { $0 + $1.queue.count } }

    var queueServiceHeld: Bool { localFailureHoldUntil.map { now < $0 } ?? false }

    /// Gives waiting clients the slots that are free now, oldest first within a listener, one client per
    /// listener in turn across listeners so that a shared server's freed slots do not all go to the first one.
    func serveQueues() {
        guard !servingQueues else {
            queueServiceRequested = true
            return
        }
        servingQueues = true
        defer { servingQueues = false }
        repeat {
            queueServiceRequested = false
            servePass()
        } while queueServiceRequested
    }

    /// Visits the listeners round-robin, one head at a time, starting after the one served last, until a whole
    /// round serves nobody.
    /// Runs `body` (which may end many sessions) with queue service held, then serves the queues once: a client
    /// must not be connected, mid-update, to a server the rest of the update is about to take away.
    func deferringQueueService(_ body: () -> Void) {
        let nested = servingQueues
        servingQueues = true
        body()
        servingQueues = nested
        if !nested { serveQueues() }
    }

    private func servePass() {
        var index = queueServiceCursor
        var idle = 0
        while idle < listeners.count, !queueServiceHeld, queuedSessions > 0 {
            index %= listeners.count
            if serveHead(of: listeners[index]) {
                queueServiceCursor = index + 1
                idle = 0
            } else {
                idle += 1
            }
            index += 1
        }
    }

    /// Serves the listener's longest-waiting client. Returns whether the queue moved.
    private func serveHead(of listener: ListenerRuntime) -> Bool {
        guard let entry = listener.queue.popFirst() else { return false }
        // An entry is removed when its session ends (see `end`); one without a session is dropped, and the
        // property test holds that none ever exists.
        guard let session = session(entry.id) else { return true }
        if startConnect(session) == .connecting {
            recordQueueWait(of: session)
            return true
        }
        // A connect that failed at once leaves the session where it was: waiting, at the head.
        session.phase = .queued
        listener.queue.returnToFront(entry.id, deadline: entry.deadline)
        return false
    }

    /// Refuses queued clients whose wait is over.
    func expireQueues() {
        guard listeners.contains(where: { !$0.queue.isEmpty }) else { return }
        deferringQueueService { expireEveryQueue() }
    }

    private func expireEveryQueue() {
        for listener in listeners where !listener.queue.isEmpty {
            for ref in listener.queue.expire(now: now) {
                guard let session = session(ref) else { continue }
                recordQueueWait(of: session)
                if session.lastConnectError.isEmpty {
                    listener.queueTimeouts += 1
                    counters.queueTimeouts += 1
                    session.endReason = .queueTimeout
                    refuse(session, with: .noServerAvailable(listener: listener.name, waited: defaults.timeoutQueue))
                } else {
                    session.endReason = .connectFailed
                    let message = "pgfloat: could not connect to a server for \"\(listener.name)\" "
                        + "(\(session.lastConnectError))"
                    refuse(session, with: ErrorResponse(sqlState: SQLState.cannotConnectNow, message: message))
                }
            }
        }
    }

    /// A client left the queue: the histogram shows how long failovers kept clients waiting.
    private func recordQueueWait(of session: Session) {
        guard let routedAt = session.routedAt else { return }
        session.listener.queueWait.recordNanoseconds(Int64(now.since(routedAt).nanoseconds))
    }

    /// A connect attempt in flight ended without a connection: try the next server, or wait in the queue for
    /// what remains of the client's queue time (the checks may be about to see the failure) and then answer it
    /// with an error.
    func connectFailed(_ session: Session, message: String) {
        guard let server = detachServer(from: session) else { return }
        serverRefused(server, session: session, message: message)
        if session.connectAttempts > defaults.retries || startConnect(session) != .connecting {
            enqueue(session, deadline: (session.routedAt ?? now) + defaults.timeoutQueue)
        }
        // The failed attempt freed a slot on its server.
        serveQueues()
    }

    /// Closes the session's server connection before it was established and gives its slot back.
    private func detachServer(from session: Session) -> ServerRuntime? {
        if session.serverFD >= 0 {
            close(session.serverFD)
            session.serverFD = -1
            serverSockets -= 1
        }
        session.sentEarly = 0
        guard let server = session.server else { return nil }
        server.sessions -= 1
        session.serverTraffic?.ended()
        session.serverTraffic = nil
        session.server = nil
        return server
    }

    /// The server refused or did not answer: it leaves balancing for a moment, and the session tries others.
    private func serverRefused(_ server: ServerRuntime, session: Session, message: String) {
        server.connectFailures += 1
        server.suspendedUntil = now + Self.connectFailureHold
        session.failedServers.append(server)
        session.lastConnectError = "\(server.name): \(message)"
        logger.warning(
            "connect failed",
            metadata: [
                "listener": "\(session.listener.name)", "server": "\(server.name)", "error": "\(message)",
                "attempt": "\(session.connectAttempts)/\(defaults.retries + 1)",
            ])
    }

    /// pgfloat could not open a connection for lack of its own resources: counted and logged as such, the server
    /// untouched, the attempt not charged to the client, and queue service held back briefly.
    private func localFailure(_ session: Session, _ error: ConnectError) {
        session.connectAttempts -= 1
        session.lastConnectError = "pgfloat itself: \(error)"
        counters.localErrors[error.label, default: 0] += 1
        let firstOfBurst = !queueServiceHeld
        localFailureHoldUntil = now + Self.localFailureHold
        guard firstOfBurst else { return }
        logger.error(
            "cannot open a server connection: local resources exhausted",
            metadata: ["listener": "\(session.listener.name)", "error": "\(error)"])
    }
}
