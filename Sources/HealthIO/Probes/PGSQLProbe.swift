import ConfigModel
import HealthCore
import Logging
import NIOCore
import PostgresNIO

/// `type = "pgsql"`: logs in with postgres-nio and runs ``PGSQLStatusQuery`` over a connection kept open between
/// checks (a login per interval would cost the server a backend fork and, with SCRAM, thousands of hash rounds).
///
/// A slow query is cancelled by the server itself: the session runs with a `statement_timeout` just under the
/// check's timeout (postgres-nio cannot send a CancelRequest), so a busy server answers 57014 and the connection
/// stays usable. Were it dropped instead, a server at `max_connections` would refuse the next login with 53300.
/// Both answers are inconclusive, not failures (see ``ServerErrorClass``).
///
/// Contract: all state lives on `eventLoop`. A check that fails without an error reply from the server (a broken
/// connection, an unreadable row) or that times out on the client side closes the connection, so the next check
/// logs in again with the password file's current content. `generation` tells a connect that finished after its
/// check gave up from the current one; such a late connection is closed at once.
final class PGSQLProbe: HealthProbe, @unchecked Sendable {
    private enum State {
        case idle
        case connecting(EventLoopFuture<PostgresConnection>)
        case connected(PostgresConnection)
        case shutDown
    }

    private let host: String
    private let port: Int
    private let settings: CheckSettings
    private let eventLoop: EventLoop
    private let logger: Logger
    private var state = State.idle
    private var generation = 0

    init(host: String, port: Int, settings: CheckSettings, eventLoop: EventLoop, logger: Logger) {
        self.host = host
        self.port = port
        self.settings = settings
        self.eventLoop = eventLoop
        self.logger = logger
    }

    func check() -> EventLoopFuture<CheckOutcome> {
        eventLoop.flatSubmit { self.checkOnLoop() }
    }

    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.flatSubmit {
            let closing: EventLoopFuture<Void>
            if case .connected(let connection) = self.state {
                closing = self.close(connection)
            } else {
                closing = self.eventLoop.makeSucceededVoidFuture()
            }
            // A login still in flight becomes stale and is closed when it completes.
            self.generation += 1
            self.state = .shutDown
            return closing
        }
    }

    private func checkOnLoop() -> EventLoopFuture<CheckOutcome> {
        let start = NIODeadline.now()
        let promise = eventLoop.makePromise(of: CheckOutcome.self)
        let timeout = settings.timeout
        let deadline = eventLoop.scheduleTask(in: timeout.timeAmount) {
            promise.succeed(.failed(ProbeFailure.timedOut(after: timeout).description))
            // The server did not even cancel the statement: it stopped answering and would hold the query
            // forever, so drop the connection and let the next check start over rather than queue behind it.
            self.reset()
        }
        connection()
            .flatMap { connection in
                self.status(on: connection).flatMapError { error in
                    // After an error reply (a cancelled statement) the session takes the next query; a FATAL
                    // one also closes it, which `connection()` notices.
                    if Self.serverReply(in: error) == nil { self.drop(connection) }
                    return self.eventLoop.makeFailedFuture(error)
                }
            }
            .whenComplete { result in
                deadline.cancel()
                switch result {
                case .success(let outcome): promise.succeed(outcome)
                case .failure(let error): promise.succeed(Self.outcome(of: error))
                }
            }
        return promise.futureResult.map { $0.measured(from: start) }
    }

    private func status(on connection: PostgresConnection) -> EventLoopFuture<CheckOutcome> {
        connection.query(PostgresQuery(unsafeSQL: PGSQLStatusQuery.sql), logger: logger)
            .flatMapThrowing { result in
                guard let row = result.rows.first else { throw ProbeFailure("status query returned no row") }
                return try PGSQLStatusQuery.outcome(from: row)
            }
    }

    /// The open connection, or a new login.
    private func connection() -> EventLoopFuture<PostgresConnection> {
        switch state {
        case .connected(let connection) where !connection.isClosed:
            return eventLoop.makeSucceededFuture(connection)
        case .connecting(let future):
            return future
        case .shutDown:
            return eventLoop.makeFailedFuture(ProbeFailure("probe is shut down"))
        case .idle, .connected:
            return connect()
        }
    }

    private func connect() -> EventLoopFuture<PostgresConnection> {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try PGSQLConnectionSettings.configuration(
                host: host, port: port, settings: settings)
        } catch {
            state = .idle
            return eventLoop.makeFailedFuture(error)
        }
        generation += 1
        let attempt = generation
        let future = PostgresConnection.connect(
            on: eventLoop, configuration: configuration, id: attempt, logger: logger)
        state = .connecting(future)
        future.whenComplete { result in
            let current = attempt == self.generation
            switch result {
            case .success(let connection) where current:
                self.state = .connected(connection)
                self.logger.debug("pgsql check connected", metadata: ["connection": "\(attempt)"])
            case .success(let connection):
                _ = self.close(connection)
            case .failure where current:
                self.state = .idle
            case .failure:
                break
            }
        }
        return future
    }

    /// Closes `connection` if it is still the current one.
    private func drop(_ connection: PostgresConnection) {
        guard case .connected(let current) = state, current === connection else { return }
        reset()
    }

    /// Forgets the current connection or login attempt; the next check logs in again.
    private func reset() {
        switch state {
        case .connected(let connection):
            _ = close(connection)
            state = .idle
            logger.debug("pgsql check connection closed")
        case .connecting:
            generation += 1
            state = .idle
        case .idle, .shutDown:
            break
        }
    }

    /// Closes `connection`, keeping it alive until it is closed: postgres-nio asserts that a connection is closed
    /// before it is freed, and its `close()` does not retain it.
    private func close(_ connection: PostgresConnection) -> EventLoopFuture<Void> {
        connection.close().recover { _ in }.map { withExtendedLifetime(connection) {} }
    }

    /// The outcome of a check that ended in `error`: classified by its SQLSTATE when the server answered.
    private static func outcome(of error: any Error) -> CheckOutcome {
        guard let (sqlState, message) = serverReply(in: error) else { return .failed(describe(error)) }
        return .serverError(sqlState: sqlState, message: message)
    }

    /// The SQLSTATE and message of the server's error reply, when `error` is one.
    private static func serverReply(in error: any Error) -> (sqlState: String, message: String)? {
        guard let info = (error as? PSQLError)?.serverInfo, let sqlState = info[.sqlState] else { return nil }
        return (sqlState, info[.message] ?? "")
    }

    /// Text for a postgres-nio error that is not a server's error reply. `PSQLError.description` is deliberately
    /// vague, so the underlying network error is spelled out; it never holds the password.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return ProbeFailure.describe(error) }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return ProbeFailure.describe(underlying) }
        return "postgres connection: \(error.code)"
    }
}
