import CSysShim
import Glibc

extension DataPlane {
    /// Accepts what the listener's backlog holds, up to a batch, while limits allow.
    ///
    /// At a listener's or the process's `maxconn`, accepting pauses and new clients wait in the kernel's backlog,
    /// as with HAProxy; it resumes when a session ends.
    func acceptClients(on fd: Int32) {
        guard let listener = listenerByFD[fd], !listener.paused else { return }
        for _ in 0..<64 {
            if listener.isFull || processSessions >= defaults.maxconn {
                pauseAccepting(listener)
                return
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = shim_accept(fd, &storage, &length)
            if client < 0 {
                if -client == EAGAIN || -client == EINTR || -client == ECONNABORTED { return }
                counters.acceptErrors += 1
                logger.error("accept failed", metadata: ["listener": "\(listener.name)", "errno": "\(-client)"])
                // Out of descriptors: a level-triggered listener would spin, so rest until the next sweep.
                acceptPausedUntilSweep = true
                for other in listeners { pauseAccepting(other) }
                return
            }
            startSession(clientFD: client, address: SocketAddress(storage: storage, length: length), on: listener)
        }
    }

    /// Takes an accepted client into the table and reads its first packet at once: with TCP_DEFER_ACCEPT it is
    /// normally there already, and waiting for the registration's first readiness event would cost a wakeup.
    func startSession(clientFD: Int32, address: SocketAddress, on listener: ListenerRuntime) {
        let (slot, generation) = allocateSlot()
        let session = Session(
            slot: slot, generation: generation, clientFD: clientFD, client: address, listener: listener, now: now)
        let status = register(clientFD, kind: .client, slot: slot, generation: generation)
        guard status == 0 else {
            close(clientFD)
            releaseSlot(slot)
            return
        }
        sessions[slot] = session
        listener.traffic.began()
        listener.traffic.total += 1
        processSessions += 1
        counters.accepted += 1
        handleFirstPacket(session)
    }

    /// Routes a client that asked for a session, unless its host already holds `maxconn_per_source` of them on
    /// this listener. Cancel requests never come here: they hold no session, and a client at its limit must still
    /// be able to cancel its own queries (PostgreSQL, too, serves cancels before its connection limits).
    func admitAndRoute(_ session: Session) {
        let listener = session.listener
        if listener.config.maxconnPerSource > 0 {
            guard listener.sourceBegan(session.client.host) else {
                listener.perSourceRefusals += 1
                session.endReason = .refused
                refuse(session, with: .tooManyConnectionsFromSource(listener: listener.name))
                return
            }
            session.countedPerSource = true
        }
        route(session)
    }

    func pauseAccepting(_ listener: ListenerRuntime) {
        guard !listener.paused else { return }
        listener.paused = true
        for socket in listener.sockets { _ = shim_epoll_mod(epollFD, socket.fd, 0, listenerToken(socket.fd)) }
    }

    /// Resumes listeners paused for limits that no longer hold.
    func resumeAccepting() {
        guard !acceptPausedUntilSweep, processSessions < defaults.maxconn else { return }
        for listener in listeners where listener.paused && !listener.isFull {
            listener.paused = false
            for socket in listener.sockets {
                _ = shim_epoll_mod(epollFD, socket.fd, SHIM_EPOLLIN, listenerToken(socket.fd))
            }
        }
    }

    func listenerToken(_ fd: Int32) -> UInt64 { Token(kind: .listener, index: Int(fd)).raw }
}
