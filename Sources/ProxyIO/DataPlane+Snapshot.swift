extension DataPlane {
    /// Copies the counters and the session list; runs on the data-plane thread.
    func snapshot() -> DataPlaneSnapshot {
        var live: [ObjectIdentifier: (bytesIn: UInt64, bytesOut: UInt64)] = [:]
        var liveByServer: [String: (bytesIn: UInt64, bytesOut: UInt64)] = [:]
        var rows: [DataPlaneSnapshot.Session] = []
        for case let session? in sessions {
            let key = ObjectIdentifier(session.listener)
            live[key, default: (0, 0)].bytesIn &+= session.bytesIn
            live[key, default: (0, 0)].bytesOut &+= session.bytesOut
            if let server = session.server {
                let pair = "\(session.listener.name)/\(server.name)"
                liveByServer[pair, default: (0, 0)].bytesIn &+= session.bytesIn
                liveByServer[pair, default: (0, 0)].bytesOut &+= session.bytesOut
            }
            rows.append(
                DataPlaneSnapshot.Session(
                    id: "\(session.slot).\(session.generation)", listener: session.listener.name,
                    client: session.client.description, server: session.server?.name, phase: session.phase.name,
                    age: now.since(session.acceptedAt), bytesIn: session.bytesIn, bytesOut: session.bytesOut))
        }
        let listenerRows = listeners.map { listener -> DataPlaneSnapshot.Listener in
            let servers = listener.pool.map { server -> DataPlaneSnapshot.Server in
                let counters = listener.serverTraffic[server.name] ?? TrafficCounters()
                let bytes = liveByServer["\(listener.name)/\(server.name)"] ?? (0, 0)
                return DataPlaneSnapshot.Server(
                    name: server.name, address: server.address.description,
                    traffic: counters.snapshot(liveBytesIn: bytes.bytesIn, liveBytesOut: bytes.bytesOut),
                    connectFailures: server.connectFailures)
            }
            let bytes = live[ObjectIdentifier(listener)] ?? (0, 0)
            return DataPlaneSnapshot.Listener(
                name: listener.name,
                traffic: listener.traffic.snapshot(liveBytesIn: bytes.bytesIn, liveBytesOut: bytes.bytesOut),
                queueCurrent: listener.queue.count, queueMax: listener.queueMax,
                queueTimeouts: listener.queueTimeouts, perSourceRefusals: listener.perSourceRefusals,
                servers: servers)
        }
        return DataPlaneSnapshot(
            listeners: listenerRows, sessions: rows.sorted { $0.age > $1.age }, currentSessions: processSessions,
            acceptedSessions: counters.accepted, queued: queuedSessions, maxconn: defaults.maxconn,
            badStartups: Dictionary(uniqueKeysWithValues: counters.badStartups.map { ($0.key.rawValue, $0.value) }),
            cancelsForwarded: counters.cancelsForwardedByLabel, cancelsDropped: counters.cancelsDroppedByLabel,
            directTLSSessions: counters.directTLSSessions, acceptErrors: counters.acceptErrors,
            localErrors: counters.localErrors)
    }

    /// Ends the established and connecting sessions to `server`, in `listener` or (nil) in every listener;
    /// returns how many. HAProxy's `shutdown sessions server`.
    func shutdownSessions(listener: String?, server: String) -> Int {
        var closed = 0
        for case let session? in sessions where listener == nil || session.listener.name == listener {
            guard session.server?.name == server else { continue }
            end(session, .adminShutdown)
            closed += 1
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
    func snapshot(liveBytesIn: UInt64, liveBytesOut: UInt64) -> DataPlaneSnapshot.Traffic {
        DataPlaneSnapshot.Traffic(
            current: current, max: max, total: total, bytesIn: closedBytesIn &+ liveBytesIn,
            bytesOut: closedBytesOut &+ liveBytesOut)
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
