import MonotonicTime
import BalanceCore
import PGWire

extension DataPlane {
    /// Work due by time rather than by I/O: queue and cancel-forward deadlines and the end of a local-failure
    /// hold at once, everything else once a second.
    func runTimers() {
        expireQueues()
        cancels.expire(now: now, counters: counters)
        if let hold = localFailureHoldUntil, now >= hold {
            localFailureHoldUntil = nil
            serveQueues()
        }
        if let deadline = shutdownDeadline, now >= deadline { closeRemainingForShutdown() }
        guard now >= lastSweep + .seconds(1) else { return }
        lastSweep = now
        if acceptPausedUntilSweep {
            acceptPausedUntilSweep = false
            resumeAccepting()
        }
        // Servers held back after a failed connect come back with time alone: queues are served after the sweep.
        deferringQueueService { sweepTimeouts() }
    }

    /// Startup, connect and idle timeouts; one pass over the table per second is cheap next to a per-session
    /// timer. Each slot is read afresh: ending one session can end or start others (queue service) mid-pass.
    private func sweepTimeouts() {
        for slot in sessions.indices {
            guard let session = sessions[slot] else { continue }
            switch session.phase {
            case .firstPacket:
                if now >= session.acceptedAt + defaults.timeoutStartup { end(session, .startupTimeout) }
            case .refusing:
                let since = session.refusingSince ?? session.acceptedAt
                if now >= since + defaults.timeoutStartup { end(session, session.endReason ?? .startupTimeout) }
            case .connecting:
                if let started = session.connectStartedAt, now >= started + defaults.timeoutConnect {
                    connectFailed(session, message: "connect timeout")
                }
            case .relaying:
                if session.kernel != nil {
                    syncKernelCounts(session)
                    guard sessions[slot] === session else { continue }
                }
                if now >= session.lastClientActivity + defaults.timeoutClient {
                    end(session, .clientTimeout)
                } else if now >= session.lastServerActivity + defaults.timeoutServer {
                    end(session, .serverTimeout)
                }
            case .queued:
                continue
            }
        }
    }

    func beginShutdown(grace: Duration) {
        guard shutdownDeadline == nil else { return }
        shutdownDeadline = now + grace
        logger.info("shutting down", metadata: ["sessions": "\(processSessions)", "grace_ms": "\(grace.milliseconds)"])
        for listener in listeners { closeSockets(listener.sockets) }
        for listener in listeners { listener.sockets = [] }
        // Held until every waiting client is refused: one served mid-loop would start a session now.
        deferringQueueService { refuseOrEndForShutdown() }
        if processSessions == 0 { stopped = true }
    }

    private func refuseOrEndForShutdown() {
        for slot in sessions.indices {
            guard let session = sessions[slot] else { continue }
            switch session.phase {
            case .queued:
                session.listener.queue.remove(session.ref)
                session.endReason = .shutdown
                refuse(session, with: .shuttingDown())
            case .firstPacket:
                end(session, .shutdown)
            case .connecting, .relaying, .refusing:
                continue
            }
        }
    }

    private func closeRemainingForShutdown() {
        for slot in sessions.indices {
            if let session = sessions[slot] { end(session, .shutdown) }
        }
        stopped = true
    }
}
