extension DataPlane {
    /// The most `show sessions` lists: building rows is the one part of a snapshot that grows with the sessions,
    /// and it runs on the data-plane thread.
    public static let sessionRowsLimit = 5000

    /// Copies the counters, and the `sessionRows` oldest sessions (none for stats and metrics, which a scraper
    /// asks for often); runs on the data-plane thread, in time proportional to listeners and servers only when no
    /// rows are asked for.
    func snapshot(sessionRows: Int) -> DataPlaneSnapshot {
        syncAllKernelCounts()
        let listenerRows = listeners.map { listener -> DataPlaneSnapshot.Listener in
            let servers = listener.pool.map { server -> DataPlaneSnapshot.Server in
                DataPlaneSnapshot.Server(
                    name: server.name, address: server.address.description,
                    traffic: (listener.serverTraffic[server.name] ?? TrafficCounters()).snapshot,
                    connectFailures: server.connectFailures)
            }
            return DataPlaneSnapshot.Listener(
                name: listener.name, traffic: listener.traffic.snapshot,
                queueCurrent: listener.queue.count, queueMax: listener.queueMax,
                queueTimeouts: listener.queueTimeouts, perSourceRefusals: listener.perSourceRefusals,
                servers: servers)
        }
        return DataPlaneSnapshot(
            listeners: listenerRows, sessions: oldestSessions(sessionRows), currentSessions: processSessions,
            acceptedSessions: counters.accepted, queued: queuedSessions, maxconn: defaults.maxconn,
            badStartups: Dictionary(uniqueKeysWithValues: counters.badStartups.map { ($0.key.rawValue, $0.value) }),
            cancelsForwarded: counters.cancelsForwardedByLabel, cancelsDropped: counters.cancelsDroppedByLabel,
            directTLSSessions: counters.directTLSSessions, acceptErrors: counters.acceptErrors,
            localErrors: counters.localErrors, relay: kernelRelay == nil ? "epoll" : "sockmap",
            relayFallbackReason: relayFallbackReason, kernelSessions: kernelSessions,
            kernelHandoffs: counters.kernelHandoffs, kernelFallbacks: counters.kernelFallbacks,
            kernelTakeovers: counters.kernelTakeovers, kernelRedirectedBytes: counters.kernelRedirectedBytes)
    }

    private func oldestSessions(_ limit: Int) -> [DataPlaneSnapshot.Session] {
        guard limit > 0 else { return [] }
        var live = sessions.compactMap { $0 }
        live.sort { $0.acceptedAt < $1.acceptedAt }
        return live.prefix(limit).map { session in
            DataPlaneSnapshot.Session(
                id: "\(session.slot).\(session.generation)", listener: session.listener.name,
                client: session.client.description, server: session.server?.name, phase: session.phase.name,
                age: now.since(session.acceptedAt), bytesIn: session.bytesIn, bytesOut: session.bytesOut)
        }
    }

    /// Ends the established and connecting sessions to `server`, in `listener` or (nil) in every listener;
    /// returns how many. HAProxy's `shutdown sessions server`.
    func shutdownSessions(listener: String?, server: String) -> Int {
        var closed = 0
        // Queue service waits for the loop: a client it connected to this server would be closed by it too.
        deferringQueueService {
            for case let session? in sessions where listener == nil || session.listener.name == listener {
                guard session.server?.name == server, sessions[session.slot] === session else { continue }
                end(session, .adminShutdown)
                closed += 1
            }
        }
        if closed > 0 {
            logger.notice(
                "sessions closed",
                metadata: ["listener": "\(listener ?? "*")", "server": "\(server)", "why": "admin-shutdown",
                           "sessions": "\(closed)"])
        }
        return closed
    }
}

extension TrafficCounters {
    var snapshot: DataPlaneSnapshot.Traffic {
        DataPlaneSnapshot.Traffic(current: current, max: max, total: total, bytesIn: bytesIn, bytesOut: bytesOut)
    }
}

extension Session.Phase {
    /// The phase's name in `show sessions`.
    var name: String {
        switch self {
        case .firstPacket: return "first-packet"
        case .queued: return "queued"
        case .connecting: return "connecting"
        case .relaying: return "relaying"
        case .refusing: return "refusing"
        }
    }
}
