/// Session and byte counts of a listener, or of one server within a listener, kept on the data-plane thread.
///
/// Bytes are added when a session ends; a snapshot adds the live sessions' bytes, so the relay path pays nothing
/// for the statistics.
struct TrafficCounters {
    private(set) var current = 0
    private(set) var max = 0
    /// Sessions counted since start: accepted by a listener, established to a server.
    var total = 0
    private(set) var closedBytesIn: UInt64 = 0
    private(set) var closedBytesOut: UInt64 = 0

    mutating func began() {
        current += 1
        if current > max { max = current }
    }

    mutating func ended(bytesIn: UInt64, bytesOut: UInt64) {
        current -= 1
        closedBytesIn &+= bytesIn
        closedBytesOut &+= bytesOut
    }
}
