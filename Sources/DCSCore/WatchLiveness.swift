import MonotonicTime

/// The leader key as the liveness probe read it, over its own request beside the watch.
public struct LeaderReading: Sendable, Equatable {
    /// The member named by the key; nil when no member holds it.
    public var leader: String?
    /// The revision the key was last written at; nil when it is absent.
    public var modRevision: Int64?
    /// The store's revision when the read was served.
    public var revision: Int64

    public init(leader: String?, modRevision: Int64?, revision: Int64) {
        self.leader = leader
        self.modRevision = modRevision
        self.revision = revision
    }
}

/// Whether the watch still delivers what the store holds, judged by what the liveness probe reads.
///
/// A NAT or a stateful firewall that forgets the watch's flow drops its packets without a reset: the watch stays
/// open and silent, and the leader it shows goes stale at the next switchover. The probe reads the leader key
/// over a request of its own; a live watch on the same endpoint delivers the change that read saw within
/// milliseconds. A reading the watched state cannot account for, for `grace` in a row, is a dead watch.
///
/// Contract: the driver calls `watchStarted` when a watch (re)starts, and `probed` with every probe reply, the
/// state the watch has built, and the revision that state was at when the probe was sent. The verdict says when
/// to probe again while the watch is behind, and when to give it up (re-read the keys, watch again).
public struct WatchLiveness: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// The watched state accounts for the reading.
        case agrees
        /// The watch has not delivered what the read saw; probe again at `recheckAt`.
        case behind(recheckAt: MonotonicInstant)
        /// The watch missed the read's leader for `grace`: it is dead. `watched` is the leader it still shows.
        case stale(watched: String?, read: String?)
        /// The read was served at a revision older than the watch had reached when the read was sent: the store
        /// went back in time (``StoreState/isRewound(to:)``), and neither the watch nor the revision to resume
        /// from can be trusted.
        case rewound(read: Int64, seen: Int64)
    }

    /// How long the watch may lag behind a read before it counts as dead.
    public let grace: Duration
    /// Watches given up because a read showed what they never delivered.
    public private(set) var staleWatches = 0
    /// The first probe since when the watch has not accounted for the readings.
    private var behindSince: MonotonicInstant?

    public init(grace: Duration) {
        self.grace = grace
    }

    /// A new watch starts from what was read or resumed: nothing is owed yet.
    public mutating func watchStarted() {
        behindSince = nil
    }

    /// Judges the watch by one reading. The watched state accounts for it when it names the same leader, or
    /// when the watch has already delivered a change after the one the read saw (then the read is the older).
    /// A read sent when the watch was at `sentAt` is served at that revision or later, unless the store went
    /// back in time: a watch event that arrives while the read is under way can make the read the older, the
    /// store's own past cannot.
    public mutating func probed(
        _ reading: LeaderReading, watched: StoreState, sentAt: Int64, at now: MonotonicInstant
    ) -> Verdict {
        if reading.revision < sentAt {
            behindSince = nil
            return .rewound(read: reading.revision, seen: sentAt)
        }
        let movedOn = watched.revision >= reading.revision
            || reading.modRevision.map { watched.revision > $0 } ?? false
        guard watched.leader != reading.leader, !movedOn else {
            behindSince = nil
            return .agrees
        }
        let since = behindSince ?? now
        guard now.since(since) >= grace else {
            behindSince = since
            return .behind(recheckAt: since + grace)
        }
        behindSince = nil
        staleWatches += 1
        return .stale(watched: watched.leader, read: reading.leader)
    }
}
