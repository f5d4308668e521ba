import CSockmap
import CSysShim
import Glibc
import MonotonicTime

// The kernel relay (`[global] relay = "sockmap"`), the data plane's half.
//
// Contract: a session enters the maps at a quiet point of its startup (KernelHandoffPoint) with both flows granted
// nothing, so the bytes pgfloat holds go out before any the kernel moves; then each direction is pumped once and
// granted. Its sockets then report only ends, errors and writability (no wakeup per message: that is what the
// kernel relay saves). The program redirects within a grant sized to the destination's free send space; past it,
// or while pgfloat still holds kept bytes, it keeps them on the receiving socket, where they fill its receive
// buffer and close its TCP window, and posts the flow to the ring buffer. `kernelPump` forwards kept bytes in order
// (a kept byte goes out only once the destination has taken in everything redirected before it), passes an end on
// only after every kept byte, and grants again once nothing is held. A session leaves the maps before its sockets
// close. Kept bytes the kernel cannot charge to the socket (they queue behind the socket's own stuck backlog when
// its peer sends without reading) are bounded by `kernelOverrunLimit`: past it the session is closed.
extension DataPlane {
    /// Readiness a kernel-relayed socket is registered for: its end, an error, and room to write.
    static let kernelRelayedEvents = SHIM_EPOLLOUT | SHIM_EPOLLRDHUP | SHIM_EPOLLET

    /// The server's cancel-key scan has decided: from which server chunk on the session may go to the kernel.
    func prepareKernelHandoff(_ session: Session, encrypted: Bool) {
        guard kernelRelay != nil else { return }
        session.kernelHandoff = encrypted ? .afterEncryptionAnswer : .afterReadyForQuery
    }

    /// Hands the session to the kernel relay if `chunk`, just read from the server and not yet written to the
    /// client, leaves both peers waiting; the chunk then goes out through the kernel half. Returns whether it did.
    func handOffIfQuiet(_ session: Session, chunk: UnsafeRawBufferPointer) -> Bool {
        guard let relay = kernelRelay, Self.isQuietPoint(chunk, session.kernelHandoff),
            session.kernelHandoff == .afterEncryptionAnswer
                || now >= (session.connectedAt ?? session.acceptedAt) + relayHandoffAge
        else { return false }
        guard session.toServer.isEmpty, session.toClient.isEmpty, !session.clientEOF, !session.serverEOF,
            !session.clientHangup, !session.serverHangup, !session.clientUnread
        else { return false }
        session.kernelHandoff = .none
        guard let upFlow = relay.flow(session: session.slot, fromClient: true),
            let downFlow = relay.flow(session: session.slot, fromClient: false)
        else {
            kernelFallback(session, reason: "no flow for slot \(session.slot): the maps are sized for maxconn at start")
            return false
        }
        guard let serverBase = KernelRelay.queuedTotal(session.serverFD),
            let clientBase = KernelRelay.queuedTotal(session.clientFD)
        else {
            kernelFallback(session, reason: "TCP_INFO failed")
            return false
        }
        // Granted nothing yet: whatever arrives from now on is kept, so it goes out after the chunk and after any
        // byte that reached a socket before it entered the map.
        let pair: relay_pair
        switch relay.add(
            clientFD: session.clientFD, serverFD: session.serverFD, clientFlow: upFlow, serverFlow: downFlow)
        {
        case .success(let added): pair = added
        case .failure(let error):
            // A socket that was in the map for a moment may have kept bytes there, and leaving the map dropped
            // them: the session cannot go on without them.
            if relay.counts(upFlow).kept > 0 || relay.counts(downFlow).kept > 0 {
                logger.warning(
                    "kernel relay refused a session after it took bytes; closing it",
                    metadata: ["listener": "\(session.listener.name)", "error": "\(error)"])
                end(session, .error)
                return true
            }
            kernelFallback(session, reason: error.description)
            return false
        }
        session.kernel = KernelSession(
            pair: pair, up: KernelDirection(flow: upFlow, destinationBase: serverBase),
            down: KernelDirection(flow: downFlow, destinationBase: clientBase))
        kernelSessions += 1
        counters.kernelHandoffs += 1
        for (fd, kind) in [(session.clientFD, Token.Kind.client), (session.serverFD, Token.Kind.server)] {
            _ = shim_epoll_mod(
                epollFD, fd, Self.kernelRelayedEvents,
                Token(kind: kind, index: session.slot, generation: session.generation).raw)
            // TCP refuses sends past its not-sent low-water mark (net.ipv4.tcp_notsent_lowat) whatever the buffer
            // holds: a grant sized to the send buffer would then wait in the backlog. The data plane never
            // waits for writability below a full buffer, so the mark is lifted.
            _ = shim_set_int_option(fd, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, Int32.max)
        }
        session.toClient.append(chunk)
        // Each pump reads its source once at least: bytes that reached a socket between pgfloat's last read and
        // the insertion run through the program then (kept, as nothing is granted) and come out after the chunk.
        kernelPump(session, fromClient: false)
        if sessions[session.slot] === session { kernelPump(session, fromClient: true) }
        return true
    }

    /// Whether `chunk` ends where the peers wait for each other: ReadyForQuery after startup, or the server's
    /// one-byte acceptance of encryption.
    static func isQuietPoint(_ chunk: UnsafeRawBufferPointer, _ point: KernelHandoffPoint) -> Bool {
        switch point {
        case .none:
            return false
        case .afterEncryptionAnswer:
            return chunk.count == 1 && (chunk[0] == UInt8(ascii: "S") || chunk[0] == UInt8(ascii: "G"))
        case .afterReadyForQuery:
            // 'Z', Int32 length 5, and the transaction status: idle, in a transaction, or failed.
            let end = chunk.count
            guard end >= 6, chunk[end - 6] == UInt8(ascii: "Z"), chunk[end - 5] == 0, chunk[end - 4] == 0,
                chunk[end - 3] == 0, chunk[end - 2] == 5
            else { return false }
            return [UInt8(ascii: "I"), UInt8(ascii: "T"), UInt8(ascii: "E")].contains(chunk[end - 1])
        }
    }

    private func kernelFallback(_ session: Session, reason: String) {
        counters.kernelFallbacks += 1
        // Logged at most once a second: a full map would otherwise log every session.
        guard lastKernelFallbackLog.map({ now >= $0 + .seconds(1) }) ?? true else { return }
        lastKernelFallbackLog = now
        logger.warning(
            "kernel relay refused a session; it stays with the epoll relay",
            metadata: ["listener": "\(session.listener.name)", "error": "\(reason)",
                       "fallbacks": "\(counters.kernelFallbacks)"])
    }

    /// An event on a kernel-relayed session's socket: an end or an error is read from the socket that reported
    /// it; writability lets bytes held for it go on. Edge-triggered epoll reports the whole mask, writability
    /// included, with every event, so writability alone pumps nothing unless bytes wait for it.
    func kernelEvent(_ session: Session, onClient: Bool, _ events: UInt32) {
        if events & Self.hangupEvents != 0 {
            kernelPump(session, fromClient: onClient)
            guard sessions[session.slot] === session else { return }
        }
        let held = onClient ? session.toClient : session.toServer
        if events & SHIM_EPOLLOUT != 0, !held.isEmpty { kernelPump(session, fromClient: !onClient) }
    }

    /// The ring buffer is readable: each flow in it started keeping bytes.
    func takeKernelEvents() {
        guard let relay = kernelRelay else { return }
        while let flow = relay.nextEvent() {
            let slot = Int(flow / 2)
            // A flow of a session that has ended since is stale; one of a later session in the slot costs a look.
            guard slot < sessions.count, let session = sessions[slot], session.kernel != nil else { continue }
            counters.kernelTakeovers += 1
            kernelPump(session, fromClient: flow % 2 == 0)
        }
    }

    /// Forwards what the program kept on one direction's source, in order, passes its end on, and hands the flow
    /// back to the program once nothing is held.
    func kernelPump(_ session: Session, fromClient: Bool) {
        guard let relay = kernelRelay, let kernel = session.kernel else { return }
        var direction = kernel[fromClient: fromClient]
        let outcome = forwardKept(session, &direction, relay: relay, fromClient: fromClient)
        guard sessions[session.slot] === session, session.kernel === kernel else { return }
        switch outcome {
        case .progress:
            direction.retryDelay = .milliseconds(1)
            direction.retryAt = nil
        case .wait:
            if direction.retryAt == nil {
                kernelRetries.append((session.slot, session.generation, fromClient))
            }
            direction.retryAt = now + direction.retryDelay
            direction.retryDelay = min(direction.retryDelay * 2, Self.kernelRetryLimit)
        case .blocked:
            break  // the destination's EPOLLOUT brings it back
        }
        kernel[fromClient: fromClient] = direction
        if outcome == .progress, session.clientEOF, session.serverEOF, kernel.up.shut, kernel.down.shut,
            session.toClient.isEmpty, session.toServer.isEmpty
        {
            end(session, session.endReason ?? .clientClose)
        }
    }

    /// The longest a waiting direction goes unchecked: the wait doubles from 1 ms while nothing moves. Short,
    /// because kept bytes the kernel cannot charge grow at the sender's pace until the check sees them.
    static let kernelRetryLimit = Duration.milliseconds(16)

    private enum KernelPumpOutcome {
        /// Nothing is held, or it all went out: the flow is the program's again, or waits for its next event.
        case progress
        /// Held bytes wait for the destination's backlog to drain, or counted bytes to become readable.
        case wait
        /// The destination is full.
        case blocked
    }

    private func forwardKept(
        _ session: Session, _ direction: inout KernelDirection, relay: KernelRelay, fromClient: Bool
    ) -> KernelPumpOutcome {
        let source = fromClient ? session.clientFD : session.serverFD
        let destination = fromClient ? session.serverFD : session.clientFD
        // Once the backlog is seen empty it stays so for this call: the program keeps while bytes are held.
        var backlogClear = false
        func clear(_ direction: KernelDirection) -> Bool? {
            if backlogClear { return true }
            guard let queued = KernelRelay.queuedTotal(destination) else { return nil }
            let entered = relay.counts(direction.flow).redirected &+ direction.sent
            let taken = queued &- direction.destinationBase
            guard taken <= entered else { return nil }  // more than was ever sent: the counts are wrong
            // A closed destination takes nothing more: there is no order left to keep.
            backlogClear = taken == entered || KernelRelay.isClosed(destination)
            return backlogClear
        }
        for _ in 0..<Self.readBudget {
            var pending = fromClient ? session.toServer : session.toClient
            if !pending.isEmpty {
                guard let ready = clear(direction) else { return failed(session, "destination's counts") }
                guard ready else { return .wait }
                let written = pending.withUnwritten { shim_write(destination, $0.baseAddress, $0.count) }
                if written < 0 {
                    if written == -Int(EAGAIN) { return .blocked }
                    end(session, fromClient ? .serverClose : .clientClose)
                    return .progress
                }
                pending.consume(written)
                direction.sent &+= UInt64(written)
                if fromClient { session.toServer = pending } else { session.toClient = pending }
                if written > 0 {
                    if fromClient { session.lastServerActivity = now } else { session.lastClientActivity = now }
                }
                if !pending.isEmpty { return .blocked }
                continue
            }
            if fromClient ? session.clientEOF : session.serverEOF {
                if direction.shut { return .progress }
                guard let ready = clear(direction) else { return failed(session, "destination's counts") }
                guard ready else { return .wait }
                Glibc.shutdown(destination, Int32(SHUT_WR))
                direction.shut = true
                return .progress
            }
            let n = shim_read(source, readBuffer.baseAddress, readBuffer.count)
            if n > 0 {
                direction.read &+= UInt64(n)
                countBytes(session, UInt64(n), fromClient: fromClient)
                if fromClient { session.lastClientActivity = now } else { session.lastServerActivity = now }
                let chunk = UnsafeRawBufferPointer(rebasing: readBuffer[0..<n])
                if fromClient { session.toServer.append(chunk) } else { session.toClient.append(chunk) }
                continue
            }
            let kept = relay.counts(direction.flow).kept
            if n != -Int(EAGAIN) {
                // The socket reads EOF as soon as TCP has the FIN, while bytes kept before it may still be on their
                // way to its queue: the end waits for them. A reset loses what it loses, as with the epoll relay.
                if n == 0, direction.read < kept { return waitForKept(session, direction, kept) }
                if session.endReason == nil { session.endReason = fromClient ? .clientClose : .serverClose }
                if fromClient { session.clientEOF = true } else { session.serverEOF = true }
                continue
            }
            // The program has the flow and nothing of it is ours: nothing to do.
            if let granted = direction.granted, kept == granted, direction.read == granted { return .progress }
            if direction.read < kept { return waitForKept(session, direction, kept) }
            // Bytes read that the program never saw: a kernel whose reads bypass it (before 6.1), no order to keep.
            if direction.read > kept { return failed(session, "read \(direction.read) bytes of \(kept) kept") }
            guard let ready = clear(direction) else { return failed(session, "destination's counts") }
            guard ready else { return .wait }
            let window = relay.window(toward: destination)
            direction.granted = direction.read
            // Kept meanwhile, after the program read the old grant: it may not have posted the flow, so go on here.
            if relay.grant(direction.flow, window: window, forwarded: direction.read) != direction.read { continue }
            return .progress
        }
        return .wait
    }

    /// Kept bytes are counted before they reach the socket's queue, so a short wait is normal. A long one is not:
    /// readable kept bytes were all read before this check, so what is left queues behind the socket's own backlog
    /// to a peer that sends without reading, charged to no socket and with the sender's window open. Past
    /// ``kernelOverrunLimit`` the session is closed.
    private func waitForKept(_ session: Session, _ direction: KernelDirection, _ kept: UInt64) -> KernelPumpOutcome {
        let unread = kept &- direction.read
        guard unread > Self.kernelOverrunLimit else { return .wait }
        logger.warning(
            "kernel relay: a peer sent more than can be held back while not reading; closing the session",
            metadata: ["listener": "\(session.listener.name)", "client": "\(session.client)",
                       "held_bytes": "\(unread)"])
        end(session, .error)
        return .progress
    }

    /// Kept bytes a direction may hold unread: one grant and what can arrive while a retry is due.
    static let kernelOverrunLimit = KernelRelay.grant + 4 << 20

    /// The counts cannot be trusted to keep the order (or cannot be read), so the session ends rather than risk
    /// bytes out of order.
    private func failed(_ session: Session, _ why: String) -> KernelPumpOutcome {
        logger.error(
            "kernel relay cannot keep a session's bytes in order; closing it",
            metadata: ["listener": "\(session.listener.name)", "client": "\(session.client)", "why": "\(why)"])
        end(session, .error)
        return .progress
    }

    /// Adds what the program redirected since the last look to the session's and its listener's byte counts; a
    /// session whose bytes moved was active on both sides (a read from one, a write to the other). With
    /// `pumpingUnread`, a flow with kept bytes nobody has read (its event lost to a race with a session that ended
    /// in the same slot) is pumped too, which may end the session.
    func syncKernelCounts(_ session: Session, pumpingUnread: Bool = true) {
        guard let relay = kernelRelay, let kernel = session.kernel else { return }
        for fromClient in [true, false] {
            let direction = kernel[fromClient: fromClient]
            let counts = relay.counts(direction.flow)
            let moved = counts.redirected &- direction.counted
            if moved > 0 {
                kernel[fromClient: fromClient].counted = counts.redirected
                countBytes(session, moved, fromClient: fromClient)
                counters.kernelRedirectedBytes &+= moved
                session.lastClientActivity = now
                session.lastServerActivity = now
            }
            if pumpingUnread, counts.kept > direction.read, direction.retryAt == nil {
                kernelPump(session, fromClient: fromClient)
                guard session.kernel === kernel else { return }
            }
        }
    }

    /// Every kernel-relayed session's counts, for a snapshot.
    func syncAllKernelCounts() {
        guard kernelSessions > 0 else { return }
        // A snapshot only reads: pumping here could end sessions while the runtime API waits.
        for case let session? in sessions where session.kernel != nil {
            syncKernelCounts(session, pumpingUnread: false)
        }
    }

    /// Takes the session out of the maps before its sockets close (from `end`, which it must not re-enter).
    func leaveKernelRelay(_ session: Session) {
        guard let kernel = session.kernel else { return }
        syncKernelCounts(session, pumpingUnread: false)
        kernelRelay?.remove(kernel.pair)
        session.kernel = nil
        kernelSessions -= 1
    }

    /// Pumps the waiting directions whose retry is due.
    func runKernelRetries() {
        guard !kernelRetries.isEmpty else { return }
        let retries = kernelRetries
        kernelRetries.removeAll(keepingCapacity: true)
        for retry in retries {
            guard let session = sessions[retry.slot], session.generation == retry.generation,
                let kernel = session.kernel, let due = kernel[fromClient: retry.fromClient].retryAt
            else { continue }
            if now < due {
                kernelRetries.append(retry)
                continue
            }
            kernel[fromClient: retry.fromClient].retryAt = nil
            kernelPump(session, fromClient: retry.fromClient)
        }
    }

    /// The earliest retry due, for the loop's wait; read on every turn while any wait, so it allocates nothing.
    var nextKernelRetry: MonotonicInstant? {
        var earliest: MonotonicInstant?
        for retry in kernelRetries {
            guard let session = sessions[retry.slot], session.generation == retry.generation,
                let due = session.kernel?[fromClient: retry.fromClient].retryAt
            else { continue }
            if earliest.map({ due < $0 }) ?? true { earliest = due }
        }
        return earliest
    }
}
