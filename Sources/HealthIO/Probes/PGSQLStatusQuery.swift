import HealthCore
import PostgresNIO

/// The one query a `pgsql` check runs, and what its row means.
enum PGSQLStatusQuery {
    /// Recovery state, WAL positions, timeline and the WAL receiver's state in one round trip, all read in one
    /// snapshot of the server, so a replica's received and replayed positions compare without skew.
    ///
    /// A primary reports its current write position, a replica its replay position. The primary's timeline comes
    /// from the current WAL file name, because `pg_control_checkpoint()` still shows the old timeline after a
    /// promotion until the next checkpoint. A replica reports the timeline its WAL receiver streams; without a WAL
    /// receiver (restoring from the archive, or restarted without a reachable upstream) the timeline of its last
    /// restartpoint, which is where a primary restarted as a standby without `pg_rewind` shows its old history.
    ///
    /// Privileges: everything but the receiver's `status` and `received_tli` is readable by any login role.
    /// `pg_stat_wal_receiver` shows those two only to `pg_read_all_stats` (part of `pg_monitor`); to others it
    /// shows the row with NULLs, which reads as "a receiver runs, state hidden" and its timeline as unknown.
    static let sql = """
        SELECT pg_is_in_recovery(), \
        CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END::text, \
        CASE WHEN NOT pg_is_in_recovery() \
        THEN ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int \
        WHEN r.pid IS NULL THEN (SELECT timeline_id FROM pg_control_checkpoint()) \
        ELSE r.received_tli END, \
        pg_last_wal_receive_lsn()::text, \
        CASE WHEN r.pid IS NULL THEN 'none' ELSE coalesce(r.status, 'hidden') END, \
        (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000000)::bigint \
        FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON true
        """

    /// One result row, as text and numbers.
    struct Row: Equatable {
        var inRecovery: Bool
        var walPosition: String?
        var timeline: Int?
        /// `pg_last_wal_receive_lsn()`: NULL until the server has streamed since it started.
        var receivedPosition: String? = nil
        /// The WAL receiver's status; `none` without a receiver, `hidden` when the role may not read it.
        var receiver: String? = nil
        /// Microseconds since the last replayed transaction committed; NULL before one was replayed.
        var replayAge: Int64? = nil
    }

    /// Decodes the row `sql` returns.
    static func outcome(from row: PostgresRow) throws -> CheckOutcome {
        let (inRecovery, position, timeline, received, receiver, age) = try row.decode(
            (Bool, String?, Int?, String?, String?, Int64?).self)
        return outcome(
            Row(
                inRecovery: inRecovery, walPosition: position, timeline: timeline, receivedPosition: received,
                receiver: receiver, replayAge: age))
    }

    /// The verdict on one result row.
    ///
    /// A replica streams when its receiver's status is `streaming`, or, to a role that may not read the status,
    /// when a receiver runs at all. Its replay delay is zero while it streams and has replayed all it received:
    /// the last transaction's age then only says the primary was idle. Otherwise it is that age (clamped at
    /// zero, as the commit time comes from the primary's clock), which keeps growing on a replica whose replay is
    /// paused or whose upstream is gone.
    static func outcome(_ row: Row) -> CheckOutcome {
        let position = row.walPosition.flatMap(WALPosition.parse)
        guard row.inRecovery else {
            return CheckOutcome(reachable: true, role: .primary, timeline: row.timeline, walPosition: position)
        }
        let received = row.receivedPosition.flatMap(WALPosition.parse)
        let streaming = row.receiver == "streaming" || row.receiver == "hidden"
        var delay = row.replayAge.map { Duration.microseconds(max($0, 0)) }
        if streaming, let received, let position, received <= position { delay = .zero }
        return CheckOutcome(
            reachable: true, role: .replica, timeline: row.timeline, walPosition: position,
            receivedPosition: received, replayDelay: delay, streaming: streaming)
    }
}
