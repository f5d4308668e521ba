/// Session and byte counts of a listener, or of one server within a listener, kept on the data-plane thread.
///
/// Bytes are added as they are relayed, so a snapshot costs one read per listener and server rather than a walk
/// over every session. A reference type: a session holds the counters of its listener/server pair directly, so
/// the relay path never looks them up by name.
final class TrafficCounters {
    private(set) var current = 0
    private(set) var max = 0
    /// Sessions counted since start: accepted by a listener, established to a server.
    var total = 0
    /// Bytes from clients and to clients, live sessions included.
    var bytesIn: UInt64 = 0
    var bytesOut: UInt64 = 0

    func began() {
        current += 1
        if current > max { max = current }
    }

    func ended() {
        current -= 1
    }
}
