import MonotonicTime
import BalanceCore
import PGWire

extension DataPlane {
    /// Work due by time rather than by I/O: queue and cancel-forward deadlines at once, everything else once a
    /// second.
    func runTimers() {
        expireQueues()
        cancels.expire(now: now, counters: counters)
        if let deadline = shutdownDeadline, now >= deadline { closeRemainingForShutdown() }
        guard now >= lastSweep + .seconds(1) else { return }
        lastSweep = now
        if acceptPausedUntilSweep {
            acceptPausedUntilSweep = false
            resumeAccepting()
        }
        sweepTimeouts()
        // Servers held back after a failed connect come back with time alone.
        serveQueues()
    }

    /// Idle, connect and startup timeouts; one pass over the table per second is cheap next to a per-session timer.
    private func sweepTimeouts() {
        for case let session? in sessions {
            switch session.phase {
            case .firstPacket, .refusing:
                if now >= session.acceptedAt + defaults.timeoutClient { end(session, .clientTimeout) }
            case .connecting:
                if let started = session.connectStartedAt, now >= started + defaults.timeoutConnect {
                    connectFailed(session, message: "connect timeout")
                }
            case .relaying:
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
        for case let session? in sessions {
            switch session.phase {
            case .queued:
                session.listener.queue.remove(session.slot)
                queuedSessions -= 1
                session.endReason = .shutdown
                refuse(session, with: .shuttingDown())
            case .firstPacket:
                end(session, .shutdown)
            case .connecting, .relaying, .refusing:
                continue
            }
        }
        if processSessions == 0 { stopped = true }
    }

    private func closeRemainingForShutdown() {
        for case let session? in sessions { end(session, .shutdown) }
        stopped = true
    }
}
