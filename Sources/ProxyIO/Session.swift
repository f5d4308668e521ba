import MonotonicTime
import BalanceCore
import PGWire

/// One client connection and, once routed, its server connection.
///
/// Phases, in order (any phase may end in close):
/// - `firstPacket`: reading the client's first 8+ bytes to tell a startup or TLS request from a CancelRequest.
/// - `queued`: waiting in the listener's queue for an eligible server with a free slot.
/// - `connecting`: a non-blocking connect to `server` is in flight; the first bytes wait in `toServer`.
/// - `relaying`: bytes pass through untouched in both directions.
/// - `refusing`: pgfloat itself answers the client with an ErrorResponse (after refusing TLS with 'N').
final class Session {
    enum Phase {
        case firstPacket
        case queued
        case connecting
        case relaying
        case refusing(ErrorResponse)
    }

    let slot: Int
    let generation: UInt32
    let clientFD: Int32
    let client: SocketAddress
    let listener: ListenerRuntime
    var serverFD: Int32 = -1
    var server: ServerRuntime?
    /// The counters of this listener's sessions to `server`, while it has one.
    var serverTraffic: TrafficCounters?
    var phase: Phase = .firstPacket

    /// Bytes read from one side that the other side has not accepted yet. Reading from a side stops while its
    /// buffer is not empty, which is the back-pressure that keeps memory bounded per session.
    var toServer = PendingBytes()
    var toClient = PendingBytes()
    var clientEOF = false
    var serverEOF = false
    /// The peer has half-closed or reset: its edge came with the data, so reads must go on until EOF is seen
    /// rather than stop at a short read.
    var clientHangup = false
    var serverHangup = false
    /// The side may hold bytes nobody read since its last edge (reading stopped for back-pressure or a budget):
    /// the reader must look again itself, as no new edge will come for them.
    var clientUnread = false
    var serverUnread = false
    /// Why the session is ending when that is decided before it closes (a queue timeout answered with an error).
    var endReason: EndReason?
    /// Servers already tried for this session, so a retry goes to the next one.
    var failedServers: [ServerRuntime] = []
    var connectAttempts = 0
    /// The session holds one of its host's `maxconn_per_source` places on its listener.
    var countedPerSource = false
    var lastConnectError = ""

    let acceptedAt: MonotonicInstant
    var routedAt: MonotonicInstant?
    var connectStartedAt: MonotonicInstant?
    var connectedAt: MonotonicInstant?
    /// When pgfloat began answering the client itself: a refusal waits at most `timeout_startup` from then for
    /// the client's next packet (a plaintext startup after 'N'), whatever the session's age.
    var refusingSince: MonotonicInstant?
    /// Bytes of `toServer` already written to a server whose connect had not been confirmed yet. They stay in
    /// the buffer until it is, so a retry on another server sends the client's first packet again from its start.
    var sentEarly = 0
    var lastClientActivity: MonotonicInstant
    var lastServerActivity: MonotonicInstant
    var bytesIn: UInt64 = 0
    var bytesOut: UInt64 = 0
    /// True while the server's first bytes are read for its BackendKeyData (`DataPlane+CancelKeys`): the relay's
    /// one check per server read, false for good once the scanner has decided.
    var scansForCancelKey = false
    var cancelKeyScanner = BackendKeyScanner(start: .startup)
    /// The key read from the server, listed in the cancel forwarder's table until the session ends.
    var cancelKey: BackendKey?
    /// Whether, and at which server chunk, the session may be handed to the kernel relay.
    var kernelHandoff = KernelHandoffPoint.none
    /// Set while the kernel relays the session (`DataPlane+KernelRelay`).
    var kernel: KernelSession?

    init(
        slot: Int, generation: UInt32, clientFD: Int32, client: SocketAddress, listener: ListenerRuntime,
        now: MonotonicInstant
    ) {
        self.slot = slot
        self.generation = generation
        self.clientFD = clientFD
        self.client = client
        self.listener = listener
        self.acceptedAt = now
        self.lastClientActivity = now
        self.lastServerActivity = now
    }

    var ref: SessionRef { SessionRef(slot: slot, generation: generation) }

    var isRelaying: Bool {
        if case .relaying = phase { return true }
        return false
    }
}

/// Bytes waiting to be written, with a read offset so partial writes do not shift the array.
struct PendingBytes {
    private(set) var bytes: [UInt8] = []
    private var offset = 0

    var isEmpty: Bool { offset >= bytes.count }
    var count: Int { bytes.count - offset }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        if isEmpty { clear() }
        bytes.append(contentsOf: chunk)
    }

    mutating func append(_ chunk: [UInt8]) {
        if isEmpty { clear() }
        bytes.append(contentsOf: chunk)
    }

    mutating func consume(_ n: Int) {
        offset += n
        if isEmpty { clear() }
    }

    mutating func clear() {
        bytes.removeAll(keepingCapacity: false)
        offset = 0
    }

    /// The unwritten bytes, for a write call.
    func withUnwritten<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
    }

    /// A view of everything buffered, for classifying a first packet.
    var unwritten: ArraySlice<UInt8> { bytes[offset...] }
}

/// How a session ended, as printed in its log line.
enum EndReason: String {
    case clientClose = "client-close"
    case serverClose = "server-close"
    /// No first packet within `timeout_startup`.
    case startupTimeout = "startup-timeout"
    case clientTimeout = "client-timeout"
    case serverTimeout = "server-timeout"
    case queueTimeout = "queue-timeout"
    case connectFailed = "connect-failed"
    case shutdown
    case cancelForwarded = "cancel-forwarded"
    case badStartup = "bad-startup"
    case refused
    /// The server left the listener's pool and the listener says `on_marked_down = "shutdown-sessions"`.
    case serverMarkedDown = "server-marked-down"
    /// The server lost the primary role (`RoutingTable.deposed`) and the primary listener says
    /// `on_primary_lost = "shutdown-sessions"` (the default).
    case primaryLost = "primary-lost"
    /// A regular server came back and the listener says `on_marked_up = "shutdown-backup-sessions"`.
    case backupShutdown = "backup-shutdown"
    /// An operator's `shutdown sessions server` through the runtime API.
    case adminShutdown = "admin-shutdown"
    case error

    /// Whether the server side is reset rather than closed: the session was taken from a server that routing
    /// left, so nothing the client sent may still reach it.
    var abortsServerSide: Bool {
        switch self {
        case .serverMarkedDown, .primaryLost, .backupShutdown, .adminShutdown: return true
        case .clientClose, .serverClose, .startupTimeout, .clientTimeout, .serverTimeout, .queueTimeout,
            .connectFailed, .shutdown, .cancelForwarded, .badStartup, .refused, .error:
            return false
        }
    }
}
