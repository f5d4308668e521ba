import ConfigModel
import HealthCore
import Logging
import NIOCore
import PostgresNIO

/// `type = "pgsql"`: logs in with postgres-nio and runs ``PGSQLStatusQuery`` over a connection kept open between
/// checks (a login per interval would cost the server a backend fork and, with SCRAM, thousands of hash rounds).
///
/// Contract: all state lives on `eventLoop`. A failed or timed-out check closes the connection, so the next check
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
            // A server that stopped answering holds the query forever: drop the connection so the next check
            // starts over rather than queueing behind it.
            self.reset()
        }
        connection()
            .flatMap { connection in
                self.status(on: connection).flatMapError { error in
                    self.drop(connection)
                    return self.eventLoop.makeFailedFuture(error)
                }
            }
            .whenComplete { result in
                deadline.cancel()
                switch result {
                case .success(let outcome): promise.succeed(outcome)
                case .failure(let error): promise.succeed(.failed(Self.describe(error)))
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

    /// Text for a postgres-nio error. `PSQLError.description` is deliberately vague, so the server's message and
    /// SQLSTATE or the underlying network error are spelled out; neither holds the password.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return ProbeFailure.describe(error) }
        if let info = error.serverInfo, let message = info[.message] {
            return [info[.sqlState], message].compactMap { $0 }.joined(separator: " ")
        }
        if let underlying = error.underlying { return ProbeFailure.describe(underlying) }
        return "postgres connection: \(error.code)"
    }
}
