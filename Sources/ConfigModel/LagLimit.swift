/// How far behind a replica may be and stay in a replica listener's pool: the listener's `max_lag`.
///
/// A size limits the WAL not yet replayed; a duration limits how old the newest replayed transaction is while WAL
/// waits to be replayed (PostgreSQL's `now() - pg_last_xact_replay_timestamp()`), which is what a reader sees as
/// staleness whatever the write rate.
public enum LagLimit: Sendable, Equatable {
    /// Bytes of WAL, as `"16MB"` or `1048576`.
    case bytes(UInt64)
    /// Replay delay, as `"5s"`.
    case time(Duration)
}
