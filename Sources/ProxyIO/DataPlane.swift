import MonotonicTime
import BalanceCore
import CSysShim
import ConfigModel
import Foundation
import HealthCore
import Logging
import PGWire
import ThreadMailbox

/// The per-byte path: one epoll loop on its own thread that accepts clients, routes them, queues them and
/// relays their bytes.
///
/// Everything below `run()` executes on that one thread; other threads talk to it only through the public
/// methods, which post to a mailbox. Descriptors are edge-triggered and registered once, so a relayed
/// request/response costs one read and one write per direction and no epoll_ctl.
public final class DataPlane: @unchecked Sendable {
    let logger: Logger
    let mailbox: ThreadMailbox<DataPlaneCommand>
    let epollFD: Int32

    var defaults: Defaults
    var logSessions: Bool
    var relayHandoffAge = Duration.milliseconds(100)
    /// Nil: no session line is written, whatever `logSessions` says.
    let sessionLog: SessionLogOutput?
    /// The buffer each session's line is formatted into, kept from one session to the next.
    var sessionLine: SessionLine
    var servers: [String: ServerRuntime] = [:]
    var listeners: [ListenerRuntime] = []
    var listenerByFD: [Int32: ListenerRuntime] = [:]
    /// The last routing table from the health view, kept so a reload can apply it to changed pools.
    var routing = RoutingTable(
        eligible: [:], primary: nil, primaryClaimants: [], splitBrain: false, nextRampUpdate: nil)

    var sessions: [Session?] = []
    var generations: [UInt32] = []
    var freeSlots: [Int] = []
    /// Accepted client connections, all listeners: what `[defaults] maxconn` limits.
    var processSessions = 0
    /// Sessions' server sockets, connecting or connected (see ``descriptorsHeld``).
    var serverSockets = 0
    /// Queue service state (see DataPlane+Routing): a pass is running, another was asked for meanwhile, the
    /// listener served first in the next round, and until when a local resource failure holds service back.
    var servingQueues = false
    var queueServiceRequested = false
    var queueServiceCursor = 0
    var localFailureHoldUntil: MonotonicInstant?
    let connector: ServerConnector
    /// Sessions whose source had more to read when their per-turn read budget ran out.
    var deferredPumps: [(slot: Int, generation: UInt32, fromClient: Bool)] = []
    let cancels = CancelForwarder()
    /// The kernel relay's program and maps; nil when the epoll relay moves every byte.
    let kernelRelay: KernelRelay?
    /// Why `[global] relay` asked for the kernel relay and runs epoll; nil otherwise.
    let relayFallbackReason: String?
    /// Sessions the kernel relays now.
    var kernelSessions = 0
    /// Kernel-relayed directions waiting to be pumped again (`DataPlane+KernelRelay`).
    var kernelRetries: [(slot: Int, generation: UInt32, fromClient: Bool)] = []
    var lastKernelFallbackLog: MonotonicInstant?

    /// One buffer for every read: bytes are written on at once and only a short remainder is ever copied.
    let readBuffer: UnsafeMutableRawBufferPointer
    static let readBufferSize = 64 * 1024
    /// Full event batches in a row after which timers run anyway.
    static let maxTimerPostponements = 16
    /// Reads per source per turn before yielding to other sessions.
    static let readBudget = 16
    /// Bytes a client may send before it is routed (startup plus what a pipelining client adds).
    static let earlyBytesLimit = 16 * 1024

    var now = MonotonicInstant(nanoseconds: shim_monotonic_ns())
    var lastSweep = MonotonicInstant(nanoseconds: shim_monotonic_ns())
    var acceptPausedUntilSweep = false
    var shutdownDeadline: MonotonicInstant?
    var stopped = false
    let counters = DataPlaneCounters()

    /// Takes ownership of the listening sockets in `settings`; writes session lines to `sessionLog`. With a
    /// `kernelRelay`, established sessions are handed to it; `relayFallbackReason` says why one was asked for and
    /// none could be loaded.
    public convenience init(
        settings: DataPlaneSettings, logger: Logger, sessionLog: SessionLogOutput? = nil,
        kernelRelay: KernelRelay? = nil, relayFallbackReason: String? = nil
    ) throws {
        try self.init(
            settings: settings, logger: logger, sessionLog: sessionLog, connector: SocketConnector(),
            kernelRelay: kernelRelay, relayFallbackReason: relayFallbackReason)
    }

    init(
        settings: DataPlaneSettings, logger: Logger, sessionLog: SessionLogOutput? = nil, connector: ServerConnector,
        kernelRelay: KernelRelay? = nil, relayFallbackReason: String? = nil
    ) throws {
        self.logger = logger
        self.connector = connector
        self.kernelRelay = kernelRelay
        self.relayFallbackReason = relayFallbackReason
        self.sessionLog = sessionLog
        self.sessionLine = SessionLine(format: sessionLog?.format ?? .text)
        self.mailbox = try ThreadMailbox()
        let fd = shim_epoll_create()
        guard fd >= 0 else { throw SocketError(operation: "epoll_create", errno: -fd) }
        self.epollFD = fd
        self.defaults = settings.defaults
        self.logSessions = settings.logSessions
        self.readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 16)
        let status = shim_epoll_add(
            epollFD, mailbox.eventFD, SHIM_EPOLLIN, Token(kind: .wakeup, index: 0).raw)
        guard status == 0 else { throw SocketError(operation: "epoll_ctl", errno: -status) }
        if let kernelRelay {
            let status = shim_epoll_add(
                epollFD, kernelRelay.eventFD, SHIM_EPOLLIN, Token(kind: .kernelRelay, index: 0).raw)
            guard status == 0 else { throw SocketError(operation: "epoll_ctl", errno: -status) }
        }
        apply(settings)
    }

    deinit {
        readBuffer.deallocate()
        close(epollFD)
    }

    // MARK: - Control side

    /// Applies a reloaded configuration without touching established sessions.
    public func post(settings: DataPlaneSettings) { mailbox.post(.apply(settings)) }

    /// Health checks say which servers each listener may use now, and at what weight.
    public func setRouting(_ table: RoutingTable) { mailbox.post(.routing(table)) }

    /// Calls `reply` on the data-plane thread with the counters as they are now, and the `sessionRows` oldest
    /// sessions (at most ``sessionRowsLimit``).
    public func snapshot(sessionRows: Int = 0, _ reply: @escaping @Sendable (DataPlaneSnapshot) -> Void) {
        mailbox.post(.snapshot(sessionRows: min(sessionRows, Self.sessionRowsLimit), reply))
    }

    /// Ends the sessions to `server` in `listener` (nil: every listener); `reply` gets how many, on the data-plane
    /// thread.
    public func shutdownSessions(
        listener: String?, server: String, reply: @escaping @Sendable (Int) -> Void
    ) {
        mailbox.post(.shutdownSessions(listener: listener, server: server, reply: reply))
    }

    /// Calls `reply` from the data-plane thread as soon as it reads this: the loop is turning. It gets
    /// ``descriptorsHeld`` as it is then.
    public func ping(_ reply: @escaping @Sendable (_ descriptorsHeld: Int) -> Void) { mailbox.post(.ping(reply)) }

    /// Stops accepting, lets sessions finish for up to `grace`, then closes the rest; `run()` then returns.
    public func shutdown(grace: Duration) { mailbox.post(.shutdown(grace: grace)) }

    // MARK: - The loop

    /// Runs the loop on the calling thread until shutdown has finished.
    public func run() {
        var events = [shim_event](repeating: shim_event(), count: 256)
        var timersPostponed = 0
        while !stopped {
            let timeout = deferredPumps.isEmpty ? nextTimeoutMilliseconds() : 0
            let count = events.withUnsafeMutableBufferPointer {
                shim_epoll_wait(epollFD, $0.baseAddress, Int32($0.count), Int32(timeout))
            }
            now = MonotonicInstant(nanoseconds: shim_monotonic_ns())
            if count < 0 {
                if -count != EINTR { logger.error("epoll_wait failed", metadata: ["errno": "\(-count)"]) }
                continue
            }
            for index in 0..<Int(count) { dispatch(events[index]) }
            runDeferredPumps()
            runKernelRetries()
            // A full batch means more events wait, as after a stall: take them before judging timeouts, so that a
            // connect that completed during the stall is not declared timed out (and its server blamed). Bounded,
            // so that timers still run under a load that fills every batch.
            if Int(count) == events.count, timersPostponed < Self.maxTimerPostponements {
                timersPostponed += 1
                continue
            }
            timersPostponed = 0
            runTimers()
        }
        logger.info("data plane stopped")
    }

    private func dispatch(_ event: shim_event) {
        guard let token = Token(raw: event.token) else { return }
        switch token.kind {
        case .wakeup:
            for command in mailbox.take() { handle(command) }
        case .listener:
            acceptClients(on: Int32(token.index))
        case .client, .server:
            guard token.index < sessions.count, let session = sessions[token.index],
                session.generation == token.generation
            else { return }
            if token.kind == .client {
                clientEvent(session, event.events)
            } else {
                serverEvent(session, event.events)
            }
        case .cancel:
            cancels.event(slot: token.index, generation: token.generation, events: event.events, loop: self)
        case .kernelRelay:
            takeKernelEvents()
        }
    }

    private func handle(_ command: DataPlaneCommand) {
        switch command {
        case .apply(let settings):
            apply(settings)
        case .routing(let table):
            applyRouting(table)
        case .shutdown(let grace):
            beginShutdown(grace: grace)
        case .snapshot(let rows, let reply):
            reply(snapshot(sessionRows: rows))
        case .shutdownSessions(let listener, let server, let reply):
            reply(shutdownSessions(listener: listener, server: server))
        case .ping(let reply):
            reply(descriptorsHeld)
        }
    }

    func nextTimeoutMilliseconds() -> Int {
        var deadline = lastSweep + .seconds(1)
        if queuedSessions > 0 {
            for listener in listeners {
                if let head = listener.queue.nextDeadline(), head < deadline { deadline = head }
            }
        }
        if let shutdownDeadline, shutdownDeadline < deadline { deadline = shutdownDeadline }
        if let localFailureHoldUntil, localFailureHoldUntil < deadline { deadline = localFailureHoldUntil }
        if let cancelDeadline = cancels.nextDeadline(), cancelDeadline < deadline { deadline = cancelDeadline }
        if !kernelRetries.isEmpty, let retry = nextKernelRetry, retry < deadline { deadline = retry }
        let wait = deadline.since(now)
        // Round up so the loop does not wake a millisecond early and spin.
        return Int((wait.nanoseconds + 999_999) / 1_000_000)
    }

    // MARK: - Session table

    func register(_ fd: Int32, kind: Token.Kind, slot: Int, generation: UInt32) -> Int32 {
        let events = (SHIM_EPOLLIN | SHIM_EPOLLOUT | SHIM_EPOLLRDHUP) | SHIM_EPOLLET
        return shim_epoll_add(epollFD, fd, events, Token(kind: kind, index: slot, generation: generation).raw)
    }

    func allocateSlot() -> (Int, UInt32) {
        if let slot = freeSlots.popLast() { return (slot, generations[slot]) }
        sessions.append(nil)
        generations.append(1)
        return (sessions.count - 1, 1)
    }

    /// The session `ref` names, or nil when it ended (and its slot may hold another session now).
    func session(_ ref: SessionRef) -> Session? {
        guard ref.slot < sessions.count, let session = sessions[ref.slot], session.generation == ref.generation
        else { return nil }
        return session
    }

    func releaseSlot(_ slot: Int) {
        sessions[slot] = nil
        generations[slot] = (generations[slot] &+ 1) & 0x00FF_FFFF
        freeSlots.append(slot)
    }
}
