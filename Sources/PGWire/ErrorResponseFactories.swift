/// The errors the proxy sends on its own behalf. All are FATAL: each is followed by closing the connection, as
/// PostgreSQL does for errors during start-up ("Start-up": the server sends ErrorResponse and then closes).
extension ErrorResponse {
    /// The error a client gets when its queue wait ends with no server: 57P03, message exactly
    /// `pgfloat: no server available for "LISTENER" after 30s` (format the wait as whole seconds "30s" when a
    /// whole number of seconds, else milliseconds "250ms").
    public static func noServerAvailable(listener: String, waited: Duration) -> ErrorResponse {
        ErrorResponse(
            sqlState: SQLState.cannotConnectNow,
            message: "pgfloat: no server available for \"\(listener)\" after \(formatWait(waited))")
    }

    /// 53300 too_many_connections, message `pgfloat: too many connections for "LISTENER"` (used when process
    /// maxconn is hit).
    public static func tooManyConnections(listener: String) -> ErrorResponse {
        ErrorResponse(
            sqlState: SQLState.tooManyConnections, message: "pgfloat: too many connections for \"\(listener)\"")
    }

    /// 53300 too_many_connections, message `pgfloat: too many connections from this client host for "LISTENER"`
    /// (the listener's `maxconn_per_source`).
    public static func tooManyConnectionsFromSource(listener: String) -> ErrorResponse {
        ErrorResponse(
            sqlState: SQLState.tooManyConnections,
            message: "pgfloat: too many connections from this client host for \"\(listener)\"")
    }

    /// 08P01 protocol_violation, message `pgfloat: invalid startup packet (REASON)`, REASON being the
    /// rejection's raw value, e.g. `lengthTooLarge`.
    public static func protocolViolation(_ reason: FirstPacketRejection) -> ErrorResponse {
        ErrorResponse(
            sqlState: SQLState.protocolViolation, message: "pgfloat: invalid startup packet (\(reason.rawValue))")
    }

    /// 57P01 admin_shutdown `pgfloat: server is shutting down`.
    public static func shuttingDown() -> ErrorResponse {
        ErrorResponse(sqlState: SQLState.adminShutdown, message: "pgfloat: server is shutting down")
    }

    /// "30s" for a whole number of seconds, else whole milliseconds ("250ms", sub-millisecond parts dropped).
    /// Saturates instead of overflowing for absurd durations.
    static func formatWait(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return "\(seconds)s" }
        let (milliseconds, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return overflow2 ? "\(seconds)s" : "\(milliseconds)ms"
    }
}
