/// The SQLSTATE codes the proxy itself reports (PostgreSQL docs, Appendix A "PostgreSQL Error Codes").
public enum SQLState {
    /// `cannot_connect_now`: used when no server became available in time, as PostgreSQL does while starting up.
    public static let cannotConnectNow = "57P03"
    /// `too_many_connections`: the proxy's connection limit is reached.
    public static let tooManyConnections = "53300"
    /// `protocol_violation`: the client's first packet was unacceptable.
    public static let protocolViolation = "08P01"
    /// `admin_shutdown`: the proxy is shutting down.
    public static let adminShutdown = "57P01"
}
