import ConfigModel

/// Writes an ``ImportedConfig`` as pgfloat.toml: tables in the order of etc/pgfloat.toml, keys in a fixed order,
/// each with a comment naming the line it came from. The same input always gives the same text.
enum TOMLRenderer {
    static func render(_ config: ImportedConfig, sources: [String]) -> String {
        var tables: [TOMLTable] = []
        let global = globalTable(config.global)
        if !global.entries.isEmpty { tables.append(global) }
        let defaults = defaultsTable(config.defaults)
        if !defaults.entries.isEmpty { tables.append(defaults) }
        tables.append(checkTable(config.check))
        tables += config.servers.map(serverTable)
        tables += config.listeners.map(listenerTable)
        for vrrp in config.vrrp {
            tables.append(vrrpTable(vrrp))
            tables += vrrp.trackScripts.map(trackScriptTable)
        }
        let header = [
            "# pgfloat.toml written by `pgfloat import` from \(sources.joined(separator: " and ")).",
            "# The comment after a value names the line it came from. Read the warnings the import printed, then run",
            "# `pgfloat check -c FILE`; etc/pgfloat.toml documents every key.",
        ].map(TOMLEntry.singleLine)
        return header.joined(separator: "\n") + "\n\n" + tables.map(\.text).joined(separator: "\n\n") + "\n"
    }

    private static func string(_ value: String) -> TOMLValue { .string(value) }
    private static func integer(_ value: Int) -> TOMLValue { .integer(value) }
    private static func boolean(_ value: Bool) -> TOMLValue { .boolean(value) }

    private static func globalTable(_ global: ImportedGlobal) -> TOMLTable {
        var table = TOMLTable(header: "[global]")
        table.add("admin_socket", global.adminSocket, string)
        table.add("admin_group", global.adminGroup, string)
        table.add("stats_bind", global.statsBind, string)
        table.add("stats_refresh", global.statsRefresh, TOMLValue.duration)
        table.add("script_user", global.scriptUser, string)
        return table
    }

    private static func defaultsTable(_ defaults: ImportedDefaults) -> TOMLTable {
        var table = TOMLTable(header: "[defaults]")
        table.add("timeout_connect", defaults.timeoutConnect, TOMLValue.duration)
        table.add("timeout_client", defaults.timeoutClient, TOMLValue.duration)
        table.add("timeout_server", defaults.timeoutServer, TOMLValue.duration)
        table.add("timeout_queue", defaults.timeoutQueue, TOMLValue.duration)
        table.add("retries", defaults.retries, integer)
        table.add("maxconn", defaults.maxconn, integer)
        return table
    }

    private static func checkTable(_ check: ImportedCheck) -> TOMLTable {
        var table = TOMLTable(header: "[check]")
        table.add("type", check.type) { .string($0.rawValue) }
        table.add("interval", check.interval, TOMLValue.duration)
        table.add("timeout", check.timeout, TOMLValue.duration)
        table.add("rise", check.rise, integer)
        table.add("fall", check.fall, integer)
        table.add("fast_interval", check.fastInterval, TOMLValue.duration)
        table.add("down_interval", check.downInterval, TOMLValue.duration)
        table.add("port", check.port, integer)
        table.add("scheme", check.scheme, string)
        table.add("ca_file", check.caFile, string)
        table.add("user", check.user, string)
        table.add("command", check.command, string)
        return table
    }

    private static func serverTable(_ server: ImportedServer) -> TOMLTable {
        var table = TOMLTable(header: "[[server]]")
        table.entries.append(TOMLEntry(key: "name", value: .string(server.name), comment: server.origin.comment))
        table.entries.append(TOMLEntry(key: "address", value: .string(server.address)))
        table.add("weight", server.weight, integer)
        table.add("maxconn", server.maxconn, integer)
        table.add("backup", server.backup, boolean)
        table.add("slowstart", server.slowstart, TOMLValue.duration)
        table.add("check_type", server.checkType) { .string($0.rawValue) }
        table.add("check_port", server.checkPort, integer)
        return table
    }

    private static func listenerTable(_ listener: ImportedListener) -> TOMLTable {
        var table = TOMLTable(header: "[[listener]]")
        table.entries.append(TOMLEntry(key: "name", value: .string(listener.name), comment: listener.origin.comment))
        if listener.binds.count == 1, let bind = listener.binds.first {
            table.add("bind", bind, string)
        } else {
            table.entries.append(
                TOMLEntry(
                    key: "bind", value: .strings(listener.binds.map(\.value)), comment: listener.binds.first?.comment))
        }
        table.add("role", listener.role) { .string($0.rawValue) }
        table.add("balance", listener.balance) { .string($0.rawValue) }
        table.add("maxconn", listener.maxconn, integer)
        table.entries.append(TOMLEntry(key: "servers", value: .strings(listener.servers)))
        table.add("max_lag", listener.maxLag) { size in
            switch size {
            case .bytes(let count): return .integer(count)
            case .text(let text): return .string(text)
            }
        }
        table.add("tags", listener.tags) { .stringTable($0) }
        table.add("on_marked_down", listener.onMarkedDown) { .string($0.rawValue) }
        table.add("on_marked_up", listener.onMarkedUp) { .string($0.rawValue) }
        return table
    }

    private static func vrrpTable(_ vrrp: ImportedVRRP) -> TOMLTable {
        var table = TOMLTable(header: "[[vrrp]]")
        table.entries.append(TOMLEntry(key: "name", value: .string(vrrp.name), comment: vrrp.origin.comment))
        table.add("interface", vrrp.interface, string)
        table.add("virtual_router_id", vrrp.virtualRouterID, integer)
        table.add("priority", vrrp.priority, integer)
        table.add("advert_interval", vrrp.advertInterval, TOMLValue.duration)
        table.add("version", vrrp.version, integer)
        table.add("authentication", vrrp.authentication, string)
        table.add("preempt", vrrp.preempt, boolean)
        table.add("preempt_delay", vrrp.preemptDelay, TOMLValue.duration)
        if let first = vrrp.virtualAddresses.first {
            table.entries.append(
                TOMLEntry(
                    key: "virtual_addresses", value: .strings(vrrp.virtualAddresses.map(\.value)),
                    comment: first.comment))
        }
        table.add("virtual_address_label", vrrp.virtualAddressLabel, string)
        table.add("unicast_source", vrrp.unicastSource, string)
        if let first = vrrp.unicastPeers.first {
            table.entries.append(
                TOMLEntry(
                    key: "unicast_peers", value: .strings(vrrp.unicastPeers.map(\.value)), comment: first.comment))
        }
        table.add("garp_master_delay", vrrp.garpMasterDelay, TOMLValue.duration)
        table.add("garp_master_repeat", vrrp.garpMasterRepeat, integer)
        table.add("garp_master_refresh", vrrp.garpMasterRefresh, TOMLValue.duration)
        table.add("garp_lower_prio_delay", vrrp.garpLowerPriorityDelay, TOMLValue.duration)
        table.add("garp_lower_prio_repeat", vrrp.garpLowerPriorityRepeat, integer)
        table.add("higher_prio_send_advert", vrrp.higherPriorityAdvert, boolean)
        table.add("track_proxy", vrrp.trackProxy) { proxy in
            switch proxy {
            case .fault: return .string("fault")
            case .off: return .string("off")
            case .weight(let weight): return .integer(weight)
            }
        }
        if let first = vrrp.trackInterfaces.first {
            table.entries.append(
                TOMLEntry(
                    key: "track_interface", value: .strings(vrrp.trackInterfaces.map(\.value)),
                    comment: first.comment))
        }
        table.add("notify_master", vrrp.notifyMaster, string)
        table.add("notify_backup", vrrp.notifyBackup, string)
        table.add("notify_fault", vrrp.notifyFault, string)
        table.add("notify_stop", vrrp.notifyStop, string)
        table.add("notify", vrrp.notify, string)
        return table
    }

    private static func trackScriptTable(_ script: ImportedTrackScript) -> TOMLTable {
        var table = TOMLTable(header: "[[vrrp.track_script]]")
        if script.commentedOut {
            table.comments.append("pgfloat needs an absolute path for this script: fix it, then uncomment the table")
            table.commentedOut = true
        }
        table.entries.append(TOMLEntry(key: "name", value: .string(script.name), comment: script.origin.comment))
        table.add("script", script.script, string)
        table.add("interval", script.interval, TOMLValue.duration)
        table.add("timeout", script.timeout, TOMLValue.duration)
        table.add("fall", script.fall, integer)
        table.add("rise", script.rise, integer)
        table.add("weight", script.weight, integer)
        return table
    }
}
