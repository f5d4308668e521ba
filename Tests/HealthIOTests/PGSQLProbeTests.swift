import ConfigModel
import Foundation
import HealthCore
import Logging
import NIOCore
import NIOPosix
import XCTest

@testable import HealthIO

/// The `pgsql` probe against a real PostgreSQL 15 started for this class (skipped without root).
final class PGSQLProbeTests: XCTestCase {
    private static var postgres: TestPostgres?
    private var group: MultiThreadedEventLoopGroup!
    private var probes: [HealthProbe] = []
    private var secrets: String!

    override func setUpWithError() throws {
        try TestPostgres.skipUnlessAvailable()
        if Self.postgres == nil { Self.postgres = try TestPostgres() }
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        secrets = NSTemporaryDirectory() + "pgfloat-secrets-\(UUID())"
        try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        for probe in probes { try probe.shutdown().wait() }
        probes = []
        try? FileManager.default.removeItem(atPath: secrets)
        try group?.syncShutdownGracefully()
    }

    override class func tearDown() {
        postgres?.stop()
        postgres = nil
    }

    private var postgres: TestPostgres { Self.postgres! }

    /// A password file holding `password` and a trailing newline, as `echo` writes it.
    private func passwordFile(_ password: String) throws -> String {
        let path = secrets + "/password"
        try (password + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func probe(
        port: Int? = nil, user: String = "checker", password: String? = "scram-secret-1",
        sslmode: CheckTLSMode = .disable, caFile: String? = nil, timeout: Duration = .seconds(5)
    ) throws -> PGSQLProbe {
        let settings = CheckSettings(
            type: .pgsql, timeout: timeout, caFile: caFile, user: user, database: "postgres",
            passwordFile: try password.map(passwordFile), sslmode: sslmode)
        let probe = PGSQLProbe(
            host: "127.0.0.1", port: port ?? postgres.port, settings: settings, eventLoop: group.next(),
            logger: Logger(label: "test"))
        probes.append(probe)
        return probe
    }

    /// Backend process ids of the probe's sessions.
    private func checkSessions(port: Int? = nil) throws -> [String] {
        try postgres.psql(
            port: port ?? postgres.port,
            "SELECT pid FROM pg_stat_activity WHERE application_name = '\(PGSQLConnectionSettings.applicationName)'"
        ).split(separator: "\n").map(String.init)
    }

    func testPrimaryOverSCRAMKeepsOneConnection() throws {
        let probe = try probe()
        let first = try probe.check().wait()
        XCTAssertEqual(first.reachable, true, first.error ?? "")
        XCTAssertEqual(first.role, .primary)
        XCTAssertEqual(first.timeline, 1)
        XCTAssertGreaterThan(first.walPosition ?? 0, 0)
        let sessions = try checkSessions()
        XCTAssertEqual(sessions.count, 1)
        XCTAssertTrue(try probe.check().wait().reachable)
        XCTAssertEqual(try checkSessions(), sessions, "the second check reuses the first connection")
    }

    func testMD5Login() throws {
        let outcome = try probe(user: "md5user", password: "md5-secret-1").check().wait()
        XCTAssertEqual(outcome.reachable, true, outcome.error ?? "")
    }

    func testWrongPasswordNamesTheCauseButNotThePassword() throws {
        let outcome = try probe(password: "not-the-password-42").check().wait()
        XCTAssertEqual(outcome.reachable, false)
        let error = outcome.error ?? ""
        XCTAssertTrue(error.hasPrefix("28P01 "), error)
        XCTAssertFalse(error.contains("not-the-password-42"), error)
    }

    func testRotatedPasswordIsReadAtReconnect() throws {
        let probe = try probe(password: "old-password")
        XCTAssertFalse(try probe.check().wait().reachable)
        _ = try passwordFile("scram-secret-1")
        XCTAssertTrue(try probe.check().wait().reachable)
    }

    func testReconnectsAfterTheServerEndsTheSession() throws {
        let probe = try probe()
        XCTAssertTrue(try probe.check().wait().reachable)
        let killed = try checkSessions()
        try postgres.psql(port: postgres.port, "SELECT pg_terminate_backend(\(killed[0]))")
        // The check that notices the dead connection may fail; the one after it must have logged in again.
        let next = try probe.check().wait()
        let outcome = next.reachable ? next : try probe.check().wait()
        XCTAssertEqual(outcome.reachable, true, outcome.error ?? "")
        XCTAssertNotEqual(try checkSessions(), killed)
    }

    func testQueryTimeoutClosesTheConnection() throws {
        let probe = try probe(timeout: .milliseconds(300))
        XCTAssertTrue(try probe.check().wait().reachable)
        let stuck = try checkSessions()[0]
        // A stopped backend is a server that accepted the query and never answers.
        XCTAssertEqual(kill(pid_t(stuck)!, SIGSTOP), 0)
        defer { kill(pid_t(stuck)!, SIGCONT) }
        let started = NIODeadline.now()
        let outcome = try probe.check().wait()
        XCTAssertEqual(outcome.error, "timed out after 300ms")
        XCTAssertLessThan(NIODeadline.now() - started, .seconds(1))
        kill(pid_t(stuck)!, SIGCONT)
        let again = try probe.check().wait()
        XCTAssertEqual(again.reachable, true, again.error ?? "")
        XCTAssertFalse(try checkSessions().contains(stuck), "the stuck session was dropped")
    }

    /// A query slower than the check's timeout is cancelled by the server (the session's statement_timeout), so
    /// the check is inconclusive and the connection is kept: dropping it would need a new login, which a server at
    /// max_connections refuses.
    func testASlowQueryIsCancelledByTheServerAndTheConnectionKept() throws {
        let probe = try probe(timeout: .milliseconds(1000))
        XCTAssertTrue(try probe.check().wait().reachable)
        let sessions = try checkSessions()
        // The status query reads this view: while another session holds it exclusively, the query waits.
        let holder = try postgres.hold("LOCK TABLE pg_catalog.pg_stat_wal_receiver IN ACCESS EXCLUSIVE MODE")
        let outcome: CheckOutcome
        do {
            defer { holder.release() }
            outcome = try probe.check().wait()
        }
        XCTAssertEqual(outcome.sqlState, "57014", outcome.error ?? "")
        XCTAssertTrue(outcome.inconclusive)
        XCTAssertGreaterThanOrEqual(outcome.duration, .milliseconds(800))
        XCTAssertLessThan(outcome.duration, .milliseconds(1000), "the server answered before the client gave up")
        let next = try probe.check().wait()
        XCTAssertEqual(next.reachable, true, next.error ?? "")
        XCTAssertEqual(try checkSessions(), sessions, "the same session answered again")
    }

    func testTLSModes() throws {
        let required = try probe(sslmode: .require).check().wait()
        XCTAssertEqual(required.reachable, true, required.error ?? "")
        let verified = try probe(sslmode: .require, caFile: postgres.folder + "/server.crt").check().wait()
        XCTAssertEqual(verified.reachable, true, verified.error ?? "")
        let preferred = try probe(sslmode: .prefer).check().wait()
        XCTAssertEqual(preferred.reachable, true, preferred.error ?? "")
        let sessions = try postgres.psql(
            port: postgres.port,
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND application_name = '"
                + PGSQLConnectionSettings.applicationName + "'")
        XCTAssertEqual(sessions, "3")
    }

    func testWrongCAFails() throws {
        let otherCA = secrets + "/other.crt"
        try FileManager.default.copyItem(atPath: "/etc/ssl/certs/ca-certificates.crt", toPath: otherCA)
        let outcome = try probe(sslmode: .require, caFile: otherCA).check().wait()
        XCTAssertEqual(outcome.reachable, false)
    }

    func testReplicaAndPromotion() throws {
        let replicaPort = try postgres.startReplica()
        try postgres.psql(port: postgres.port, "CREATE TABLE IF NOT EXISTS t AS SELECT 1 AS x; SELECT pg_switch_wal()")
        let replica = try probe(port: replicaPort)
        var outcome = try replica.check().wait()
        // The WAL receiver reports its timeline once it has connected; its received position starts at the
        // segment it asks for, which can be behind what was already replayed from the base backup's WAL.
        func settled(_ outcome: CheckOutcome) -> Bool {
            outcome.timeline != nil && (outcome.receivedPosition ?? 0) >= (outcome.walPosition ?? 0)
        }
        for _ in 0..<50 where !settled(outcome) {
            Thread.sleep(forTimeInterval: 0.1)
            outcome = try replica.check().wait()
        }
        XCTAssertEqual(outcome.reachable, true, outcome.error ?? "")
        XCTAssertEqual(outcome.role, .replica)
        XCTAssertEqual(outcome.timeline, 1)
        XCTAssertGreaterThan(outcome.walPosition ?? 0, 0)
        XCTAssertEqual(outcome.streaming, true)
        XCTAssertGreaterThanOrEqual(outcome.receivedPosition ?? 0, outcome.walPosition ?? .max)
        XCTAssertNotNil(outcome.replayDelay)
        // Without pg_monitor (or pg_read_all_stats) pg_stat_wal_receiver hides the timeline and the receiver's
        // status; that a receiver runs, the positions and the replay delay are still readable.
        let unprivileged = try probe(port: replicaPort, user: "md5user", password: "md5-secret-1").check().wait()
        XCTAssertEqual(
            unprivileged,
            CheckOutcome(
                reachable: true, role: .replica, walPosition: unprivileged.walPosition,
                receivedPosition: unprivileged.receivedPosition, replayDelay: unprivileged.replayDelay,
                streaming: true, duration: unprivileged.duration))
        XCTAssertNotNil(unprivileged.walPosition)
        XCTAssertNotNil(unprivileged.receivedPosition)
        XCTAssertNotNil(unprivileged.replayDelay)

        try postgres.promoteReplica()
        let promoted = try replica.check().wait()
        XCTAssertEqual(promoted.reachable, true, promoted.error ?? "")
        XCTAssertEqual(promoted.role, .primary)
        XCTAssertEqual(promoted.timeline, 2, "the timeline changes at promotion, before any checkpoint")
        XCTAssertGreaterThanOrEqual(promoted.walPosition ?? 0, outcome.walPosition ?? .max)
    }
}
