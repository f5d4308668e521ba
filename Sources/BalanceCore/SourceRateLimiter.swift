import MonotonicTime

/// A token bucket per source (a client address), in a table of bounded size: what keeps one client from turning
/// a flood of cheap requests into a flood of costly ones (a CancelRequest costs a connection to a server).
///
/// Each source may spend `burst` at once and gets `rate` tokens back per second. The table holds at most
/// `capacity` sources: when it is full, sources whose bucket has refilled (they are as good as new) are pruned,
/// at most once a second so a flood cannot make every request pay for a scan; sources that still find no room
/// share one overflow bucket with the same rate and burst. So memory stays bounded whatever addresses a flood
/// comes from, and a flood from many addresses is held to one source's share beyond the table.
public struct SourceRateLimiter<Source: Hashable> {
    private struct Bucket {
        var tokens: Double
        var updated: MonotonicInstant
    }

    public let rate: Double
    public let burst: Int
    public let capacity: Int
    private var buckets: [Source: Bucket] = [:]
    private var overflow: Bucket?
    private var lastPrune: MonotonicInstant?

    /// A limiter allowing each source `burst` requests at once and `rate` per second after that, tracking at most
    /// `capacity` sources separately.
    public init(rate: Double, burst: Int, capacity: Int) {
        self.rate = rate
        self.burst = max(1, burst)
        self.capacity = max(1, capacity)
    }

    /// Sources with a bucket of their own now.
    public var trackedSources: Int { buckets.count }

    /// Takes a token for `source` at `now`; false when it has none left.
    public mutating func admit(_ source: Source, at now: MonotonicInstant) -> Bool {
        if var bucket = buckets[source] {
            let admitted = take(from: &bucket, at: now)
            buckets[source] = bucket
            return admitted
        }
        if buckets.count >= capacity { pruneRefilled(at: now) }
        guard buckets.count < capacity else {
            var shared = overflow ?? Bucket(tokens: Double(burst), updated: now)
            let admitted = take(from: &shared, at: now)
            overflow = shared
            return admitted
        }
        buckets[source] = Bucket(tokens: Double(burst) - 1, updated: now)
        return true
    }

    private func take(from bucket: inout Bucket, at now: MonotonicInstant) -> Bool {
        refill(&bucket, at: now)
        guard bucket.tokens >= 1 else { return false }
        bucket.tokens -= 1
        return true
    }

    private func refill(_ bucket: inout Bucket, at now: MonotonicInstant) {
        let seconds = Double(now.since(bucket.updated).nanoseconds) / 1e9
        bucket.tokens = min(Double(burst), bucket.tokens + seconds * rate)
        if now > bucket.updated { bucket.updated = now }
    }

    /// Drops the sources whose bucket is full again: forgetting them changes nothing.
    private mutating func pruneRefilled(at now: MonotonicInstant) {
        if let lastPrune, now < lastPrune + .seconds(1) { return }
        lastPrune = now
        let rate = rate
        let burst = Double(burst)
        buckets = buckets.filter { _, bucket in
            bucket.tokens + Double(now.since(bucket.updated).nanoseconds) / 1e9 * rate < burst
        }
    }
}
