import CSysShim
import Glibc

extension DataPlane {
    static let hangupEvents = SHIM_EPOLLRDHUP | SHIM_EPOLLHUP | SHIM_EPOLLERR

    /// Readiness that can bring bytes or an end from a peer; writability alone (the edge every new registration
    /// reports) cannot, so before relaying it costs no read.
    static let readableEvents = SHIM_EPOLLIN | hangupEvents

    func clientEvent(_ session: Session, _ events: UInt32) {
        switch session.phase {
        case .firstPacket:
            if events & Self.readableEvents != 0 { handleFirstPacket(session) }
        case .queued, .connecting:
            guard events & Self.readableEvents != 0 else { return }
            // The edge of a half-close is spent now: whoever relays later must read on to the EOF itself.
            if events & Self.hangupEvents != 0 {
                session.clientHangup = true
                session.clientUnread = true
            }
            _ = readEarlyClientBytes(session)
        case .refusing:
            if readEarlyClientBytes(session) { continueRefusal(session) }
        case .relaying:
            if session.kernel != nil { return kernelEvent(session, onClient: true, events) }
            if events & Self.hangupEvents != 0 { session.clientHangup = true }
            if events & SHIM_EPOLLOUT != 0, !flush(session, toClient: true) { return }
            if events & (SHIM_EPOLLIN | Self.hangupEvents) != 0 { pump(session, fromClient: true) }
        }
    }

    func serverEvent(_ session: Session, _ events: UInt32) {
        switch session.phase {
        case .connecting:
            finishConnect(session, events)
        case .relaying:
            if session.kernel != nil { return kernelEvent(session, onClient: false, events) }
            if events & Self.hangupEvents != 0 { session.serverHangup = true }
            if events & SHIM_EPOLLOUT != 0, !flush(session, toClient: false) { return }
            if events & (SHIM_EPOLLIN | Self.hangupEvents) != 0 { pump(session, fromClient: false) }
        case .firstPacket, .queued, .refusing:
            return
        }
    }

    private func finishConnect(_ session: Session, _ events: UInt32) {
        if events & (SHIM_EPOLLERR | SHIM_EPOLLHUP) != 0 {
            let code = shim_socket_error(session.serverFD)
            if code != 0 || events & SHIM_EPOLLOUT == 0 {
                connectFailed(session, message: String(cString: strerror(code == 0 ? ECONNRESET : code)))
                return
            }
        }
        guard events & SHIM_EPOLLOUT != 0 else { return }
        // A server that accepted, answered and closed at once (PostgreSQL refusing a connection) is relayed.
        if events & Self.hangupEvents != 0 { session.serverHangup = true }
        session.phase = .relaying
        session.connectedAt = now
        // The connect is confirmed: what went out before it did is the server's now.
        session.toServer.consume(session.sentEarly)
        session.sentEarly = 0
        session.lastServerActivity = now
        if let traffic = session.serverTraffic {
            traffic.total += 1
            // What the client sent before it had a server is this server's too.
            traffic.bytesIn &+= session.bytesIn
        }
        // The bytes read before routing go first (flushing also reads on if the client had more).
        guard flush(session, toClient: false) else { return }
        if session.clientUnread, session.toServer.isEmpty {
            pump(session, fromClient: true)
            guard sessions[session.slot] === session else { return }
        }
        if events & (SHIM_EPOLLIN | Self.hangupEvents) != 0, sessions[session.slot] === session {
            pump(session, fromClient: false)
        }
    }

    /// Moves bytes from one side to the other until the source is drained, the destination pushes back, or the
    /// per-turn budget is spent.
    func pump(_ session: Session, fromClient: Bool) {
        if session.kernel != nil { return kernelPump(session, fromClient: fromClient) }
        let source = fromClient ? session.clientFD : session.serverFD
        let destination = fromClient ? session.serverFD : session.clientFD
        if fromClient ? session.clientEOF : session.serverEOF { return }
        if !(fromClient ? session.toServer.isEmpty : session.toClient.isEmpty) {
            markUnread(session, fromClient: fromClient)
            return
        }
        if fromClient { session.clientUnread = false } else { session.serverUnread = false }
        let readToEOF = fromClient ? session.clientHangup : session.serverHangup
        for _ in 0..<Self.readBudget {
            let n = shim_read(source, readBuffer.baseAddress, readBuffer.count)
            if n > 0 {
                // Activity on a side is a read from it or a write to it (HAProxy's rule without
                // independent-streams): a client that only receives, as pg_dump or COPY TO does, is not idle.
                countBytes(session, UInt64(n), fromClient: fromClient)
                if fromClient {
                    session.lastClientActivity = now
                } else {
                    session.lastServerActivity = now
                    if session.scansForCancelKey {
                        scanForCancelKey(session, UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                    }
                    if session.kernelHandoff != .none, n < readBuffer.count,
                        handOffIfQuiet(session, chunk: UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                    {
                        return
                    }
                }
                let written = shim_write(destination, readBuffer.baseAddress, n)
                if written > 0 {
                    if fromClient { session.lastServerActivity = now } else { session.lastClientActivity = now }
                }
                if written == n {
                    // A short read means the socket is drained; edge-triggered epoll reports the next arrival.
                    if n < readBuffer.count, !readToEOF { return }
                    continue
                }
                if written < 0, written != -Int(EAGAIN) {
                    end(session, fromClient ? .serverClose : .clientClose)
                    return
                }
                // The destination is full: keep the rest and stop reading this source until it drains.
                let kept = UnsafeRawBufferPointer(rebasing: readBuffer[max(0, written)..<n])
                if fromClient { session.toServer.append(kept) } else { session.toClient.append(kept) }
                if n == readBuffer.count || readToEOF { markUnread(session, fromClient: fromClient) }
                return
            }
            if n == -Int(EAGAIN) { return }
            // EOF or a reset: pass the half-close on once everything read has been written.
            sourceClosed(session, fromClient: fromClient)
            return
        }
        deferredPumps.append((session.slot, session.generation, fromClient))
    }

    /// Adds relayed bytes to the session's, its listener's and its server's counts: from the client (in) or to it.
    func countBytes(_ session: Session, _ bytes: UInt64, fromClient: Bool) {
        if fromClient {
            session.bytesIn &+= bytes
            session.listener.traffic.bytesIn &+= bytes
            session.serverTraffic?.bytesIn &+= bytes
        } else {
            session.bytesOut &+= bytes
            session.listener.traffic.bytesOut &+= bytes
            session.serverTraffic?.bytesOut &+= bytes
        }
    }

    private func markUnread(_ session: Session, fromClient: Bool) {
        if fromClient { session.clientUnread = true } else { session.serverUnread = true }
    }

    /// Writes what a destination had pushed back; then reads on from the source that filled it if its readiness
    /// edge was spent while it was not being read.
    /// Returns false when the session ended.
    private func flush(_ session: Session, toClient: Bool) -> Bool {
        let fd = toClient ? session.clientFD : session.serverFD
        var pending = toClient ? session.toClient : session.toServer
        guard !pending.isEmpty else { return true }
        let written = pending.withUnwritten { shim_write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
            if written == -Int(EAGAIN) { return true }
            end(session, toClient ? .clientClose : .serverClose)
            return false
        }
        pending.consume(written)
        if toClient {
            session.toClient = pending
            if written > 0 { session.lastClientActivity = now }
        } else {
            session.toServer = pending
            if written > 0 { session.lastServerActivity = now }
        }
        guard pending.isEmpty else { return true }
        let sourceIsClient = !toClient
        if sourceIsClient ? session.clientEOF : session.serverEOF {
            Glibc.shutdown(fd, Int32(SHUT_WR))
            return finishIfBothClosed(session)
        }
        guard case .relaying = session.phase, sourceIsClient ? session.clientUnread : session.serverUnread else {
            return true
        }
        pump(session, fromClient: sourceIsClient)
        return sessions[session.slot] === session
    }

    private func sourceClosed(_ session: Session, fromClient: Bool) {
        if session.endReason == nil { session.endReason = fromClient ? .clientClose : .serverClose }
        if fromClient {
            session.clientEOF = true
            if session.toServer.isEmpty { Glibc.shutdown(session.serverFD, Int32(SHUT_WR)) }
        } else {
            session.serverEOF = true
            if session.toClient.isEmpty { Glibc.shutdown(session.clientFD, Int32(SHUT_WR)) }
        }
        _ = finishIfBothClosed(session)
    }

    /// Closes the session once both directions are finished. Returns false when it closed.
    private func finishIfBothClosed(_ session: Session) -> Bool {
        guard session.clientEOF, session.serverEOF, session.toClient.isEmpty, session.toServer.isEmpty else {
            return true
        }
        end(session, session.endReason ?? .clientClose)
        return false
    }

    func runDeferredPumps() {
        guard !deferredPumps.isEmpty else { return }
        let pumps = deferredPumps
        deferredPumps.removeAll(keepingCapacity: true)
        for pump in pumps {
            guard let session = sessions[pump.slot], session.generation == pump.generation, session.isRelaying
            else { continue }
            self.pump(session, fromClient: pump.fromClient)
        }
    }
}
