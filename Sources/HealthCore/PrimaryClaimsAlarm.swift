import MonotonicTime

/// When to log that several servers claim primary.
///
/// More than one claimant is an error even when the split-brain guard chose one: an old primary that was not
/// fenced still takes writes from clients that bypass pgfloat, and a later `pg_rewind` throws them away. The
/// driver reviews every routing table; the alarm raises at once, then at most once per check interval while it
/// lasts, so a long split brain does not flood the log.
public struct PrimaryClaimsAlarm: Sendable {
    private var lastRaised: MonotonicInstant?

    public init() {}

    /// Whether to log now, given the servers that claim primary at `now`.
    public mutating func review(claimants: [String], at now: MonotonicInstant, interval: Duration) -> Bool {
        guard claimants.count > 1 else { return false }
        if let lastRaised, now.since(lastRaised) < interval { return false }
        lastRaised = now
        return true
    }
}
