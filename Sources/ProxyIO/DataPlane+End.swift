import MonotonicTime
import BalanceCore
import Glibc
import Logging

extension DataPlane {
    /// Closes both sides of a session, returns its slots to the limits, logs it, and lets waiting clients in.
    func end(_ session: Session, _ reason: EndReason) {
        guard sessions[session.slot] === session else { return }
        if case .queued = session.phase { session.listener.queue.remove(session.ref) }
        if session.countedPerSource { session.listener.sourceEnded(session.client.host) }
        leaveKernelRelay(session)
        if session.serverFD >= 0 {
            if reason.abortsServerSide { Self.discardUnsentBytes(session.serverFD) }
            close(session.serverFD)
            serverSockets -= 1
        }
        if let server = session.server {
            server.sessions -= 1
            session.serverTraffic?.ended()
        }
        close(session.clientFD)
        forgetCancelKey(of: session)
        session.listener.traffic.ended()
        processSessions -= 1
        releaseSlot(session.slot)
        if logSessions, reason != .cancelForwarded { logEnd(session, reason) }
        resumeAccepting()
        serveQueues()
        if shutdownDeadline != nil, processSessions == 0 { stopped = true }
    }

    /// Makes `close` reset the connection instead of finishing it: bytes still in the send buffer are dropped
    /// rather than retransmitted. A write a client sent to a primary that has just been cut off would otherwise be
    /// delivered when the partition heals, committing on the old primary after a new one took over.
    static func discardUnsentBytes(_ fd: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    /// Formats the session's line into the reused buffer and hands it to the log writer, which never blocks.
    private func logEnd(_ session: Session, _ reason: EndReason) {
        guard let sessionLog, sessionLog.writesSessions else { return }
        func milliseconds(_ from: MonotonicInstant?, _ to: MonotonicInstant?) -> Int64 {
            guard let from, let to else { return -1 }
            return to.since(from).milliseconds
        }
        let line = sessionLine.format(
            SessionLine.Fields(
                listener: session.listener.name, server: session.server?.name ?? "-", client: "\(session.client)",
                waitMilliseconds: milliseconds(session.routedAt, session.connectStartedAt),
                connectMilliseconds: milliseconds(session.connectStartedAt, session.connectedAt),
                totalMilliseconds: milliseconds(session.acceptedAt, now), bytesIn: session.bytesIn,
                bytesOut: session.bytesOut, end: reason.rawValue))
        sessionLog.writer.write(line)
    }
}
