import MonotonicTime
import CSysShim
import Glibc
import PGWire

/// Forwards a client's CancelRequest to every server of its listener's pool.
///
/// pgfloat does not know which server holds the backend a cancel key belongs to (it never reads the
/// BackendKeyData in passthrough, and under TLS it cannot), and a PostgreSQL server ignores keys it does not
/// know, so sending the request to every server is both correct and sufficient. In-flight forwards are capped
/// so a flood of cancels cannot exhaust descriptors.
final class CancelForwarder {
    private struct Forward {
        var fd: Int32
        var generation: UInt32
        var packet: [UInt8]
        var deadline: UInt64
    }

    static let maxInFlight = 256
    private var forwards: [Forward?] = []
    private var free: [Int] = []
    private var nextGeneration: UInt32 = 1
    private var inFlight = 0

    func forward(_ request: CancelRequest, to pool: [ServerRuntime], loop: DataPlane) {
        let packet = request.encoded
        for server in pool {
            guard inFlight < Self.maxInFlight else {
                loop.counters.cancelsDropped[.inFlightCap, default: 0] += 1
                continue
            }
            let fd = shim_tcp_socket(server.address.family)
            guard fd >= 0 else { continue }
            let status = server.address.withSockAddr { shim_connect(fd, $0, $1) }
            guard status >= 0 else {
                close(fd)
                continue
            }
            let slot = free.popLast() ?? { forwards.append(nil); return forwards.count - 1 }()
            nextGeneration = (nextGeneration &+ 1) & 0x00FF_FFFF
            let deadline = loop.now.nanoseconds &+ loop.defaults.timeoutConnect.nanoseconds
            forwards[slot] = Forward(fd: fd, generation: nextGeneration, packet: packet, deadline: deadline)
            inFlight += 1
            let events = SHIM_EPOLLOUT | SHIM_EPOLLET
            let token = Token(kind: .cancel, index: slot, generation: nextGeneration).raw
            if shim_epoll_add(loop.epollFD, fd, events, token) != 0 { finish(slot) }
            loop.counters.cancelsForwarded[.broadcast, default: 0] += 1
        }
    }

    /// The connect finished (or failed): send the request and close; PostgreSQL answers a cancel with nothing.
    func event(slot: Int, generation: UInt32, events: UInt32, loop: DataPlane) {
        guard slot < forwards.count, let forward = forwards[slot], forward.generation == generation else { return }
        if events & (SHIM_EPOLLERR | SHIM_EPOLLHUP) == 0 {
            _ = forward.packet.withUnsafeBytes { shim_write(forward.fd, $0.baseAddress, $0.count) }
        }
        finish(slot)
    }

    /// Drops forwards whose server never answered the connect.
    func expire(now: UInt64) {
        for (slot, forward) in forwards.enumerated() {
            if let forward, forward.deadline <= now { finish(slot) }
        }
    }

    private func finish(_ slot: Int) {
        guard let forward = forwards[slot] else { return }
        close(forward.fd)
        forwards[slot] = nil
        free.append(slot)
        inFlight -= 1
    }
}
