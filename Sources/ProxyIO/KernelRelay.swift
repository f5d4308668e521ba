import CSockmap
import Glibc

/// The kernel relay's BPF program and maps (`[global] relay = "sockmap"`): loaded once, before privileges are
/// dropped, because creating a SOCKHASH and attaching its program needs CAP_BPF and CAP_NET_ADMIN; adding and
/// removing sessions afterwards needs no capability, only the maps' descriptors.
///
/// Each socket of a session handed to the kernel has a flow: a slot in a memory-mapped array the program and the
/// data plane share (`relay_flow`). The program redirects a socket's bytes to its peer while they fit the flow's
/// grant, and otherwise keeps them on the socket and posts the slot to a ring buffer; the data plane then
/// forwards the kept bytes itself and grants the flow again (`DataPlane+KernelRelay`).
public final class KernelRelay: @unchecked Sendable {
    private var maps: relay_maps
    /// Flows there are: two per session slot, so sessions in slots at or above `maxSockets / 2` stay with epoll.
    let maxSockets: Int
    /// The most a flow may redirect before the data plane has seen its peer's backlog empty: what one direction
    /// of one session may hold in kernel memory that no socket buffer accounts for. Each grant is also held to
    /// half the destination's free send space, so what it redirects does not wait in the backlog for long.
    static let grant: UInt64 = 256 * 1024

    /// Tests only: every grant this many bytes, whatever the destination's send space (so a test can make a
    /// backlog stick, as a grant larger than the room behind it would).
    let fixedGrant: UInt64?

    private init(maps: relay_maps, fixedGrant: UInt64?) {
        self.maps = maps
        self.maxSockets = Int(maps.max_sockets)
        self.fixedGrant = fixedGrant
    }

    deinit { relay_close(&maps) }

    /// Why the program or a map did not load: the failing step's errno and a detail (the verifier's log, or why
    /// the kernel does not qualify).
    public struct LoadError: Error, CustomStringConvertible {
        public let code: Int32
        public let detail: String

        public var description: String {
            let reason = String(cString: strerror(code))
            let advice = code == EPERM ? " (needs CAP_BPF and CAP_NET_ADMIN at start, and the bpf system call)" : ""
            return detail.isEmpty ? reason + advice : "\(reason)\(advice): \(detail)"
        }
    }

    /// The oldest kernel whose verdict path the relay is built on: from 6.1 a socket with only a verdict program
    /// hands every arrival, an empty one for a FIN included, to the program (`tcp_read_skb`), and `recv` on it
    /// reads what the program kept; older kernels let reads bypass it. 6.4 brought the fix for bytes queued before
    /// a socket entered the map ("data stall on recv before accept"), which the hand-over relies on; later 6.1
    /// stable releases have it too, but a distribution's release string does not always tell which.
    static let minimumKernel = (major: 6, minor: 4)

    /// Creates the maps for `sessions` sessions, loads the verdict program and attaches it.
    public static func load(sessions: Int, fixedGrant: UInt64? = nil) throws(LoadError) -> KernelRelay {
        if let running = runningKernel(), running < minimumKernel {
            throw LoadError(
                code: ENOTSUP,
                detail: "kernel \(running.major).\(running.minor) is older than "
                    + "\(minimumKernel.major).\(minimumKernel.minor), whose sockmap verdict path the relay needs")
        }
        var maps = relay_maps()
        var log = [CChar](repeating: 0, count: 4096)
        // Two flows per session; a maxconn too large for the maps makes the kernel refuse them, and epoll runs.
        let sockets = UInt32(clamping: max(1, min(sessions, Int(UInt32.max / 2))) * 2)
        let status = log.withUnsafeMutableBufferPointer { relay_open(&maps, sockets, $0.baseAddress, $0.count) }
        guard status == 0 else {
            // The log is only meaningful when the verifier refused the program.
            let text = String(cString: log).split(separator: "\n").suffix(3).joined(separator: " | ")
            throw LoadError(code: -status, detail: -status == EACCES || -status == EINVAL ? text : "")
        }
        return KernelRelay(maps: maps, fixedGrant: fixedGrant)
    }

    /// The running kernel's major and minor version (`uname`), nil when they cannot be read.
    static func runningKernel() -> (major: Int, minor: Int)? {
        var name = utsname()
        guard uname(&name) == 0 else { return nil }
        return kernelVersion(release: withUnsafeBytes(of: &name.release) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        })
    }

    /// Major and minor version from a release string such as `6.18.44-fc-v1272` or `6.1.0-13-amd64`.
    static func kernelVersion(release: String) -> (major: Int, minor: Int)? {
        let parts = release.split(separator: ".", maxSplits: 2)
        guard parts.count >= 2, let major = Int(parts[0]),
            let minor = Int(parts[1].prefix { $0.isNumber })
        else { return nil }
        return (major, minor)
    }

    /// The ring buffer of flows that started keeping bytes; readable when it holds one.
    var eventFD: Int32 { maps.events_fd }

    /// The flow slot of one direction of the session in `slot`: client to server, or server to client.
    func flow(session slot: Int, fromClient: Bool) -> UInt32? {
        let flow = slot * 2 + (fromClient ? 0 : 1)
        return flow < maxSockets ? UInt32(flow) : nil
    }

    /// Puts a session's two sockets in the maps with nothing granted: the program keeps every byte until a
    /// direction is granted. Returns the errno when the kernel refuses; nothing is left in the maps then.
    func add(
        clientFD: Int32, serverFD: Int32, clientFlow: UInt32, serverFlow: UInt32
    ) -> Result<relay_pair, SocketError> {
        var pair = relay_pair()
        let status = relay_add_pair(&maps, clientFD, clientFlow, serverFD, serverFlow, 0, 0, &pair)
        return status == 0 ? .success(pair) : .failure(SocketError(operation: "bpf map update", errno: -status))
    }

    /// Takes a session out of the maps: before its sockets close, so the program never sees a closing socket.
    func remove(_ pair: relay_pair) {
        var pair = pair
        relay_remove_pair(&maps, &pair)
    }

    /// The next flow that started keeping bytes, or nil when none is waiting.
    func nextEvent() -> UInt32? {
        let slot = relay_next_event(&maps)
        return slot >= 0 ? UInt32(slot) : nil
    }

    /// What the program counted on a flow: bytes redirected to the peer, bytes kept for the data plane.
    func counts(_ flow: UInt32) -> (redirected: UInt64, kept: UInt64) {
        var redirected: UInt64 = 0
        var kept: UInt64 = 0
        relay_flow_counts(&maps, flow, &redirected, &kept)
        return (redirected, kept)
    }

    /// Hands a flow back to the program, `window` bytes more, once the data plane has forwarded the first
    /// `forwarded` kept bytes. Returns the kept count read after the grant: past `forwarded`, the program kept more
    /// meanwhile and the caller must forward it itself.
    func grant(_ flow: UInt32, window: UInt64, forwarded: UInt64) -> UInt64 {
        relay_grant(&maps, flow, window, forwarded)
    }

    /// The grant for a flow whose destination is `fd`: at most ``grant``, and half the room in its send buffer.
    func window(toward fd: Int32) -> UInt64 {
        fixedGrant ?? min(Self.grant, relay_send_space(fd) / 2)
    }

    /// Bytes written into `fd`'s send queue since it connected (acknowledged plus queued), or nil on error.
    static func queuedTotal(_ fd: Int32) -> UInt64? {
        var total: UInt64 = 0
        return relay_queued_total(fd, &total) == 0 ? total : nil
    }

    /// Whether `fd`'s connection is closed: bytes still redirected to it will never arrive.
    static func isClosed(_ fd: Int32) -> Bool { relay_socket_closed(fd) != 0 }
}
