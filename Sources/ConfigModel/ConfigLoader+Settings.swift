/// Schemas of the single tables `[global]`, `[defaults]` and `[check]`, whose values all have defaults.
extension ConfigLoader {
    static var globalSchema: TableSchema<GlobalSettings> {
        TableSchema([
            .value("admin_socket", \.adminSocket) { $0.unixSocketPath() },
            .value("stats_bind", \.statsBind) { $0.endpoint() },
            .value("shutdown_grace", \.shutdownGrace) { $0.duration() },
            .value("log_sessions", \.logSessions) { $0.boolean() },
        ])
    }

    static var defaultsSchema: TableSchema<Defaults> {
        TableSchema([
            .value("timeout_connect", \.timeoutConnect) { $0.duration() },
            .value("timeout_client", \.timeoutClient) { $0.duration() },
            .value("timeout_server", \.timeoutServer) { $0.duration() },
            .value("timeout_queue", \.timeoutQueue) { $0.duration() },
            .value("retries", \.retries) { $0.integer(in: 0...100) },
            .value("maxconn", \.maxconn) { $0.integer(in: 1...Int.max) },
        ])
    }

    /// New check types are added as cases of ``CheckType``; keys only some types use belong here too.
    static var checkSchema: TableSchema<CheckSettings> {
        TableSchema([
            .value("type", \.type) { $0.choice("check type") },
            .value("interval", \.interval) { $0.duration() },
            .value("timeout", \.timeout) { $0.duration() },
            .value("rise", \.rise) { $0.integer(in: 1...100) },
            .value("fall", \.fall) { $0.integer(in: 1...100) },
        ])
    }
}
