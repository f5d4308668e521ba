/// What a PostgreSQL error reply to a check says about the server, by its SQLSTATE (PostgreSQL's Appendix A).
///
/// An error reply means the server is alive: it accepted the connection and answered in its own protocol. A
/// primary at `max_connections` refuses a new login with 53300, and a check slower than its `statement_timeout`
/// is cancelled by the server with 57014; taking that primary down for it would close every session of a server
/// that is only busy, and make the load worse when the clients reconnect. Those answers are inconclusive. Only
/// answers that say the server cannot take sessions, or that the check itself cannot work, count as failures.
public enum ServerErrorClass: Sendable, Equatable, CaseIterable {
    /// Class 53 (insufficient resources: 53300 too_many_connections, 53200 out_of_memory, 53100 disk_full) and
    /// 57014 (query_canceled: the check's own `statement_timeout` fired). Alive, too busy to answer now; the
    /// result counts neither toward rise nor fall.
    case busy
    /// 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, not yet
    /// consistent): alive, but takes no sessions. A failure.
    case unavailable
    /// Class 28 (invalid authorization: a wrong password, no `pg_hba.conf` entry) and 3D000 (no such database):
    /// the check's settings are wrong, so it cannot tell anything. A failure, which the operator must fix.
    case misconfigured
    /// Any other SQLSTATE: a failure.
    case other

    public init(sqlState: String) {
        switch sqlState {
        case "57014": self = .busy
        case _ where sqlState.hasPrefix("53"): self = .busy
        case "57P01", "57P02", "57P03": self = .unavailable
        case "3D000": self = .misconfigured
        case _ where sqlState.hasPrefix("28"): self = .misconfigured
        default: self = .other
        }
    }

    /// Words for the log, after the SQLSTATE and the server's message.
    var meaning: String? {
        switch self {
        case .busy: return "server alive but busy; counts neither toward rise nor fall"
        case .unavailable: return "server alive but not taking sessions"
        case .misconfigured: return "check settings rejected; fix [check] user, password_file or database"
        case .other: return nil
        }
    }
}

extension CheckOutcome {
    /// The outcome of a check that the server answered with an error reply (see ``ServerErrorClass``): a failure
    /// whose `error` starts with the SQLSTATE, or an inconclusive result when the server is only busy.
    public static func serverError(sqlState: String, message: String, duration: Duration = .zero) -> CheckOutcome {
        let kind = ServerErrorClass(sqlState: sqlState)
        let error = [sqlState, message, kind.meaning.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        return CheckOutcome(
            reachable: false, error: error, sqlState: sqlState, inconclusive: kind == .busy, duration: duration)
    }
}
