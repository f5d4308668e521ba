import PGWire

/// Event counts kept by the data plane for logs now and the runtime API later. Touched only on its thread.
final class DataPlaneCounters {
    var accepted = 0
    var badStartups: [FirstPacketRejection: Int] = [:]
    var cancelsForwarded: [CancelTarget: Int] = [:]
    var cancelsDropped: [CancelDropReason: Int] = [:]
    /// Connections that opened with a TLS ClientHello (PostgreSQL 17 direct TLS), routed or not.
    var directTLSSessions = 0
    var queueTimeouts = 0
    var acceptErrors = 0
    /// Failures of pgfloat's own resources while opening server connections, by `call:ERRNO`.
    var localErrors: [String: Int] = [:]
    /// Sessions handed to the kernel relay, refused by its maps, and taken back from it for a while.
    var kernelHandoffs = 0
    var kernelFallbacks = 0
    var kernelTakeovers = 0
    /// Bytes the kernel relay's program moved between sockets itself, both ways (user space's share not counted).
    var kernelRedirectedBytes: UInt64 = 0
}
