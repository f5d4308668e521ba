import HealthCore

/// The one query a `pgsql` check runs, and what its row means.
enum PGSQLStatusQuery {
    /// Recovery state, WAL position and timeline in one round trip.
    ///
    /// A primary reports its current write position, a replica its replay position: lag is the difference across
    /// servers. The primary's timeline comes from the current WAL file name, because `pg_control_checkpoint()`
    /// still shows the old timeline after a promotion until the next checkpoint; a replica reports the timeline
    /// its WAL receiver streams (NULL while it restores from the archive).
    static let sql = """
        SELECT pg_is_in_recovery(), \
        CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text, \
        CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM pg_stat_wal_receiver LIMIT 1) \
        ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END
        """

    /// The verdict on one result row.
    static func outcome(inRecovery: Bool, walPosition: String?, timeline: Int?) -> CheckOutcome {
        CheckOutcome(
            reachable: true, role: inRecovery ? .replica : .primary, timeline: timeline,
            walPosition: walPosition.flatMap(WALPosition.parse))
    }
}
