import MonotonicTime

/// When to log that the servers claiming primary put writes at risk or leave them nowhere to go.
///
/// More than one claimant is an error even when the split-brain guard chose one: an old primary that was not
/// fenced still takes writes from clients that bypass pgfloat, and a later `pg_rewind` throws them away. A single
/// claimant that lost to a newer timeline is one too: the guard gives it no writes, so clients get "no server
/// available", and nothing else says why once the newer primary is gone (dead, or its check fails); after a
/// restore from a backup onto an older timeline only the operator's `clear timeline` brings writes back. The
/// driver reviews every routing table; the alarm raises at once, then at most once per check interval while
/// either lasts, so a long episode does not flood the log.
public struct PrimaryClaimsAlarm: Sendable {
    /// What to log.
    public enum Alert: Sendable, Equatable {
        /// Several servers claim primary.
        case severalClaimants
        /// One server claims primary, on a timeline older than the newest seen: no writes go anywhere.
        case onlyClaimantSuperseded
    }

    private var lastRaised: MonotonicInstant?

    public init() {}

    /// What to log now, if anything, given the servers that claim primary at `now` and those of them that a
    /// newer timeline superseded.
    public mutating func review(
        claimants: [String], superseded: Set<String>, at now: MonotonicInstant, interval: Duration
    ) -> Alert? {
        let alert: Alert
        switch claimants.count {
        case 0: return nil
        case 1:
            guard superseded.contains(claimants[0]) else { return nil }
            alert = .onlyClaimantSuperseded
        default: alert = .severalClaimants
        }
        if let lastRaised, now.since(lastRaised) < interval { return nil }
        lastRaised = now
        return alert
    }
}
