import CSockmap
import MonotonicTime

/// A session whose bytes the kernel relays (`[global] relay = "sockmap"`), and the data plane's half of each
/// direction: what it forwarded itself when the program kept bytes, next to the program's own counts.
final class KernelSession {
    let pair: relay_pair
    /// Client to server.
    var up: KernelDirection
    /// Server to client.
    var down: KernelDirection

    init(pair: relay_pair, up: KernelDirection, down: KernelDirection) {
        self.pair = pair
        self.up = up
        self.down = down
    }

    subscript(fromClient fromClient: Bool) -> KernelDirection {
        get { fromClient ? up : down }
        set { if fromClient { up = newValue } else { down = newValue } }
    }
}

/// One direction of a kernel-relayed session as the data plane sees it.
///
/// Order is kept by one rule: the data plane writes a kept byte only once the destination has taken in every
/// byte the program redirected before it (``sent`` plus the flow's redirected count equals what the destination
/// queued since ``destinationBase``), and hands the flow back only once every kept byte is out.
struct KernelDirection {
    let flow: UInt32
    /// The destination's queued total (acknowledged plus in its send queue) when the session was handed over.
    let destinationBase: UInt64
    /// Bytes the data plane wrote into the destination since then.
    var sent: UInt64 = 0
    /// Kept bytes the data plane read from the source.
    var read: UInt64 = 0
    /// The kept count up to which the flow was last handed back (the program's resume_at); nil until the first
    /// grant (a session enters the maps with nothing granted).
    var granted: UInt64?
    /// Redirected bytes already added to the session's byte counts.
    var counted: UInt64 = 0
    /// Set while the direction waits (for the destination's backlog to drain, or for counted bytes to become
    /// readable) and is listed for a retry.
    var retryAt: MonotonicInstant?
    var retryDelay = Duration.milliseconds(1)
    /// The source's end of stream was passed on: the destination is shut down for writing.
    var shut = false

    init(flow: UInt32, destinationBase: UInt64) {
        self.flow = flow
        self.destinationBase = destinationBase
    }
}
