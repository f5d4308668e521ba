/// Schemas of the single tables `[global]`, `[defaults]` and `[check]`, whose values all have defaults.
extension ConfigLoader {
    static var globalSchema: TableSchema<GlobalSettings> {
        TableSchema([
            .value("admin_socket", \.adminSocket) { $0.unixSocketPath() },
            .value("admin_group", \.adminGroup) { $0.string() },
            .value("stats_bind", \.statsBind) { $0.endpoint() },
            .value("stats_auth_file", \.statsAuthFile) { $0.absolutePath() },
            .value("stats_admin", \.statsAdmin) { $0.boolean() },
            .value("stats_refresh", \.statsRefresh) { $0.duration() },
            .value("shutdown_grace", \.shutdownGrace) { $0.duration() },
            .value("log_sessions", \.logSessions) { $0.boolean() },
            .value("script_user", \.scriptUser) { $0.userName() },
            .value("user", \.user) { $0.userName() },
            .value("group", \.group) { $0.string() },
            .value("vrrp_rt_priority", \.vrrpRTPriority) { $0.integer(in: 1...99) },
            .value("lock_memory", \.lockMemory) { $0.boolean() },
            .value("relay", \.relay) { $0.choice("relay") },
            .value("relay_handoff_age", \.relayHandoffAge) { $0.duration(allowZero: true, maximum: .seconds(3600)) },
        ])
    }

    static var defaultsSchema: TableSchema<Defaults> {
        TableSchema([
            .value("timeout_connect", \.timeoutConnect) { $0.duration() },
            .value("timeout_startup", \.timeoutStartup) { $0.duration() },
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
            .value("fast_interval", \.fastInterval) { $0.duration() },
            .value("down_interval", \.downInterval) { $0.duration() },
            .value("port", \.port) { $0.integer(in: 1...65535) },
            .value("scheme", \.scheme) { field in
                field.string().flatMap { ["http", "https"].contains($0) ? $0 : field.rejected("scheme", $0) }
            },
            .value("ca_file", \.caFile) { $0.absolutePath() },
            .value("auth_file", \.authFile) { $0.absolutePath() },
            .value("user", \.user) { $0.string() },
            .value("database", \.database) { $0.string() },
            .value("password_file", \.passwordFile) { $0.absolutePath() },
            .value("sslmode", \.sslmode) { $0.choice("sslmode") },
            .value("command", \.command) { $0.absolutePath() },
        ])
    }
}

extension ConfigLoader {
    /// `user` and the keys that depend on it: a daemon that dropped to `user` keeps no CAP_SETUID, so its scripts
    /// can only run as that same user.
    static func checkGlobal(_ global: GlobalSettings, diagnostics: Diagnostics) {
        let table = TableLocation(name: "global", occurrence: 0)
        if let user = global.user, let scriptUser = global.scriptUser, scriptUser != user {
            diagnostics.report(
                key: "global.script_user", line: diagnostics.line(of: table, key: "script_user"),
                "scripts run as user \"\(user)\" once pgfloat has dropped to it (switching to \"\(scriptUser)\" "
                    + "would need CAP_SETUID); remove script_user or set it to \"\(user)\"")
        }
        if global.group != nil, global.user == nil {
            diagnostics.report(
                key: "global.group", line: diagnostics.line(of: table, key: "group"),
                "group is used with user only; set user too, or remove group")
        }
    }

    /// Keys some check types cannot do without: a command to run, a port to ask an agent on.
    static func checkProbeRequirements(_ draft: DocumentDraft, diagnostics: Diagnostics) {
        let check = TableLocation(name: "check", occurrence: 0)
        let types = Set([draft.check.type] + draft.servers.compactMap(\.checkType))
        if types.contains(.external), draft.check.command == nil {
            diagnostics.report(
                key: "check.command", line: diagnostics.line(of: check, key: "type"),
                "an external check needs \"command\"")
        }
        guard draft.check.port == nil else { return }
        for (index, server) in draft.servers.enumerated()
        where (server.checkType ?? draft.check.type) == .agent && server.checkPort == nil {
            diagnostics.report(
                key: "server.check_port", line: diagnostics.line(of: TableLocation(name: "server", occurrence: index)),
                "an agent check needs a port: set [check] port or this server's check_port")
        }
    }
}
