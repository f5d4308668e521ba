import ConfigModel
import MonotonicTime

/// How far behind one replica was at its last check, as far as the checks can tell, and whether it departed
/// from the cluster's history.
///
/// Every figure is a lower bound or a reading of the replica alone, never a difference between two servers read
/// in the wrong order: the primary's position and the replica's are read on independent schedules, so subtracting
/// a later primary reading would count WAL written after the replica answered as lag (healthy replicas flap out
/// of a pool at high write rates), and a later replica reading past an earlier primary one proves nothing.
public struct ReplicaLag: Sendable, Equatable {
    /// Bytes of WAL the replica had not replayed: the larger of its own received-minus-replayed gap and the
    /// reference's position minus its replay position (counted only when the reference was read before the
    /// replica, so it is a lower bound); else the lag its check or store record reported; nil when none is known.
    public var bytes: UInt64?
    /// The replay delay the replica reported; nil when unknown.
    public var time: Duration?
    /// Whether its WAL receiver streams; nil when the check cannot tell.
    public var streaming: Bool?
    /// It answered another timeline than the reference: it follows a history the cluster left (a primary
    /// restarted as a standby without `pg_rewind`), or has not switched to the new primary's timeline yet.
    public var otherTimeline: Bool
    /// It was seen ahead of the primary: holding WAL the primary had not written when read after it. Kept until a
    /// later comparison in that order shows it behind again while it streams.
    public var ahead: Bool

    public init(
        bytes: UInt64? = nil, time: Duration? = nil, streaming: Bool? = nil, otherTimeline: Bool = false,
        ahead: Bool = false
    ) {
        self.bytes = bytes
        self.time = time
        self.streaming = streaming
        self.otherTimeline = otherTimeline
        self.ahead = ahead
    }

    /// Whether the replica may hold rows the cluster lost: it is excluded from replica pools whatever `max_lag`.
    public var diverged: Bool { otherTimeline || ahead }

    /// Whether this reading satisfies `policy`. What cannot be measured is not within a limit: a replica is
    /// trusted as fresh only on evidence.
    func meets(_ policy: LagPolicy) -> Bool {
        if diverged { return false }
        if policy.requireStreaming, streaming != true { return false }
        switch policy.limit {
        case nil: return true
        case .bytes(let limit)?: return bytes.map { $0 <= limit } ?? false
        case .time(let limit)?: return time.map { $0 <= limit } ?? false
        }
    }

    /// Measures `replica`'s last answer against `reference`: the elected primary (`isPrimary`), or the most
    /// advanced other server while none is elected. A replica is on another timeline when it differs from the
    /// primary's, or is older than the most advanced server's (the newest one has nothing newer to follow).
    /// `ahead` is left false: only a primary read after the replica can tell.
    static func measure(
        _ replica: ServerHealth, against reference: ServerHealth?, isPrimary: Bool, recorded: UInt64?
    ) -> ReplicaLag {
        let replayed = replica.walPosition
        var gap: UInt64?
        if let received = replica.receivedPosition, let replayed { gap = received > replayed ? received - replayed : 0 }
        var behind: UInt64?
        if let reference, let head = reference.advance, let replayed, isRead(reference, before: replica) {
            behind = head > replayed ? head - replayed : 0
        }
        let measured = [gap, behind].compactMap { $0 }.max()
        var otherTimeline = false
        if let timeline = replica.timeline, let referenceTimeline = reference?.timeline {
            otherTimeline = isPrimary ? timeline != referenceTimeline : timeline < referenceTimeline
        }
        return ReplicaLag(
            bytes: measured ?? replica.reportedLag ?? recorded, time: replica.replayDelay,
            streaming: replica.streaming, otherTimeline: otherTimeline)
    }

    /// Whether `replica` is ahead of `primary`; nil unless the replica was read entirely before the primary, the
    /// only order in which a replica past the primary proves divergence.
    static func isAhead(_ replica: ServerHealth, of primary: ServerHealth) -> Bool? {
        guard isRead(replica, before: primary), let head = primary.walPosition, let position = replica.advance else {
            return nil
        }
        return position > head
    }

    /// Whether `first`'s check ended before `second`'s began, so `second`'s positions are at least `first`'s.
    private static func isRead(_ first: ServerHealth, before second: ServerHealth) -> Bool {
        guard let earlier = first.sampled, let later = second.sampled else { return false }
        return earlier.upperBound <= later.lowerBound
    }
}

extension ServerHealth {
    /// The furthest WAL position this server is known to hold: a replica's received position when it is past its
    /// replay position, else its last reported position.
    var advance: UInt64? {
        switch (walPosition, receivedPosition) {
        case (let position?, let received?): return max(position, received)
        case (let position, let received): return position ?? received
        }
    }
}

/// What a replica listener asks of its replicas beyond the role: `max_lag` and `require_streaming`.
struct LagPolicy: Sendable, Equatable {
    var limit: LagLimit?
    var requireStreaming: Bool

    init(_ listener: ListenerConfig) {
        limit = listener.maxLag
        requireStreaming = listener.requireStreaming
    }

    /// Whether the policy asks anything at all; a listener without one takes every replica not diverged.
    var limits: Bool { limit != nil || requireStreaming }
}
