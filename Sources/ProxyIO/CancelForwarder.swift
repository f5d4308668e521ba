import BalanceCore
import CSysShim
import Glibc
import MonotonicTime
import PGWire

/// Sends clients' CancelRequests on to PostgreSQL, at a bounded cost per client.
///
/// A cancel whose key pgfloat read from a session's BackendKeyData (`keys`) goes to that session's server alone.
/// Otherwise (TLS or GSS sessions, whose key pgfloat cannot read; keys of ended sessions; made-up keys) it goes
/// to each server the listener may route to now or that still holds its sessions: PostgreSQL ignores keys it
/// does not know, so that reaches the backend wherever it is, without connecting to servers that are down.
///
/// Every request costs at least one connection, and a PostgreSQL server forks for each, so: a token bucket per
/// client address (`sourceRate`, `sourceBurst`; IPv6 clients by their /64), at most `maxInFlight` forwards
/// connecting at once, and `connectTimeout` for a server that does not answer, whatever `timeout_connect` says.
/// Each of these drops is counted by reason.
final class CancelForwarder {
    private struct Forward {
        var fd: Int32
        var generation: UInt32
        var packet: [UInt8]
        var target: CancelTarget
    }

    static let maxInFlight = 256
    /// A cancel is worth sending only while the query runs; a server that has not accepted within a second is
    /// unlikely to be running it, and holding its forward would crowd out the others.
    static let connectTimeout = Duration.seconds(1)
    /// CancelRequests one client address may send at once, and per second after that. Generous for an
    /// application server behind one address that cancels timed-out statements; a flood from it reaches the
    /// servers at this rate at most.
    static let sourceBurst = 100
    static let sourceRate = 50.0
    /// Client addresses (or IPv6 /64s) with a bucket of their own; the rest share one.
    static let trackedSources = 4096

    var keys = CancelKeyTable()
    private var limiter = SourceRateLimiter<CancelSource>(
        rate: sourceRate, burst: sourceBurst, capacity: trackedSources)
    private var forwards: [Forward?] = []
    private var free: [Int] = []
    private var nextGeneration: UInt32 = 1
    /// Forwards connecting, each holding a socket.
    private(set) var inFlight = 0
    /// Forwards in the order they started, which is deadline order as the timeout is the same for all; entries
    /// whose forward already finished are skipped when they reach the head.
    private var deadlines: [(slot: Int, generation: UInt32, deadline: MonotonicInstant)] = []
    private var deadlinesHead = 0

    /// Sends `request`, which `client` sent to `listener`, to the servers that should see it.
    func forward(_ request: CancelRequest, from client: SocketAddress, on listener: ListenerRuntime, loop: DataPlane) {
        guard limiter.admit(CancelSource(client), at: loop.now) else {
            loop.counters.cancelsDropped[.rateLimited, default: 0] += 1
            return
        }
        let packet = request.encoded
        let owners = keys.owners(of: request.backendKey).filter {
            loop.isOpen(slot: $0.slot, generation: $0.generation)
        }
        if !owners.isEmpty {
            var sent: [SocketAddress] = []
            for owner in owners where !sent.contains(owner.address) {
                sent.append(owner.address)
                start(packet, to: owner.address, .owner, loop: loop)
            }
            return
        }
        let targets = listener.cancelBroadcastTargets
        guard !targets.isEmpty else {
            loop.counters.cancelsDropped[.noServer, default: 0] += 1
            return
        }
        for server in targets { start(packet, to: server.address, .broadcast, loop: loop) }
    }

    private func start(_ packet: [UInt8], to address: SocketAddress, _ target: CancelTarget, loop: DataPlane) {
        guard inFlight < Self.maxInFlight else {
            loop.counters.cancelsDropped[.inFlightCap, default: 0] += 1
            return
        }
        let fd = shim_tcp_socket(address.family)
        guard fd >= 0 else {
            loop.counters.cancelsDropped[.localError, default: 0] += 1
            return
        }
        guard address.withSockAddr({ shim_connect(fd, $0, $1) }) >= 0 else {
            close(fd)
            loop.counters.cancelsDropped[.connectFailed, default: 0] += 1
            return
        }
        let slot = free.popLast() ?? { forwards.append(nil); return forwards.count - 1 }()
        nextGeneration = (nextGeneration &+ 1) & 0x00FF_FFFF
        forwards[slot] = Forward(fd: fd, generation: nextGeneration, packet: packet, target: target)
        inFlight += 1
        // Edge-triggered EPOLLOUT reports the end of the connect, in progress or already done.
        let token = Token(kind: .cancel, index: slot, generation: nextGeneration).raw
        guard shim_epoll_add(loop.epollFD, fd, SHIM_EPOLLOUT | SHIM_EPOLLET, token) == 0 else {
            finish(slot)
            loop.counters.cancelsDropped[.localError, default: 0] += 1
            return
        }
        compactDeadlines()
        deadlines.append((slot, nextGeneration, loop.now + Self.connectTimeout))
    }

    /// The connect finished (or failed): send the request and close; PostgreSQL answers a cancel with nothing.
    func event(slot: Int, generation: UInt32, events: UInt32, loop: DataPlane) {
        guard slot < forwards.count, let forward = forwards[slot], forward.generation == generation else { return }
        let connected = events & (SHIM_EPOLLERR | SHIM_EPOLLHUP) == 0
        let written =
            connected ? forward.packet.withUnsafeBytes { shim_write(forward.fd, $0.baseAddress, $0.count) } : 0
        if written == forward.packet.count {
            loop.counters.cancelsForwarded[forward.target, default: 0] += 1
        } else {
            loop.counters.cancelsDropped[.connectFailed, default: 0] += 1
        }
        finish(slot)
    }

    /// Gives up forwards whose server has not accepted by their deadline. Cheap when none is due: it looks at
    /// the oldest only.
    func expire(now: MonotonicInstant, counters: DataPlaneCounters) {
        while let head = liveHead() {
            guard head.deadline <= now else { return }
            deadlinesHead += 1
            finish(head.slot)
            counters.cancelsDropped[.connectTimeout, default: 0] += 1
        }
    }

    /// When the oldest forward in flight times out, for the loop's wait.
    func nextDeadline() -> MonotonicInstant? { liveHead()?.deadline }

    /// The oldest deadline whose forward is still connecting, after dropping finished ones from the head.
    private func liveHead() -> (slot: Int, generation: UInt32, deadline: MonotonicInstant)? {
        while deadlinesHead < deadlines.count {
            let head = deadlines[deadlinesHead]
            if let forward = forwards[head.slot], forward.generation == head.generation { return head }
            deadlinesHead += 1
        }
        deadlines.removeAll(keepingCapacity: true)
        deadlinesHead = 0
        return nil
    }

    /// Drops the consumed front of `deadlines` once it is most of the array, so a flood that never lets the
    /// queue run empty does not grow it.
    private func compactDeadlines() {
        guard deadlinesHead >= 1024, deadlinesHead * 2 >= deadlines.count else { return }
        deadlines.removeFirst(deadlinesHead)
        deadlinesHead = 0
    }

    private func finish(_ slot: Int) {
        guard let forward = forwards[slot] else { return }
        close(forward.fd)
        forwards[slot] = nil
        free.append(slot)
        inFlight -= 1
    }
}

/// Whose share a cancel is charged to: an IPv4 address, or an IPv6 /64 (one host may hold a whole /64).
struct CancelSource: Hashable {
    var family: Int32
    var prefix: UInt64

    init(_ address: SocketAddress) {
        family = address.family
        prefix = withUnsafeBytes(of: address.storage) { raw in
            let range = address.family == AF_INET6 ? 8..<16 : 4..<8
            return raw[range].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        }
    }
}

extension ListenerRuntime {
    /// Where a cancel with an unknown key goes: the servers routing allows now, and those still holding this
    /// listener's sessions (a drained server's queries may be the ones to cancel). Servers that are down or in
    /// maintenance and hold none are left out: a cancel cannot concern them, and connecting costs.
    var cancelBroadcastTargets: [ServerRuntime] {
        pool.indices.compactMap { position in
            let server = pool[position]
            let holdsSessions = (serverTraffic[server.name]?.current ?? 0) > 0
            return eligibleWeights.indices.contains(position) && eligibleWeights[position] != nil || holdsSessions
                ? server : nil
        }
    }
}
