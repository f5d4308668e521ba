/// A `[[listener]]` as read, before its required keys and server names are checked.
struct ListenerDraft {
    var name: String?
    var nameLine = 0
    var binds: [Endpoint]?
    var role = ListenerRole.any
    /// Line of the `role` key; nil when the key is absent.
    var roleLine: Int?
    var balance = BalanceAlgorithm.roundrobin
    var maxconn = 1000
    var maxconnPerSource = 0
    var maxLag: LagLimit?
    /// Line of the `max_lag` key; nil when the key is absent.
    var maxLagLine: Int?
    var requireStreaming = false
    /// Line of the `require_streaming` key; nil when the key is absent.
    var requireStreamingLine: Int?
    var tags: [String: String] = [:]
    /// Line of the `tags` key; nil when the key is absent.
    var tagsLine: Int?
    var onMarkedDown = MarkedDownAction.none
    var onMarkedUp = MarkedUpAction.none
    var onPrimaryLost = MarkedDownAction.shutdownSessions
    /// Line of the `on_primary_lost` key; nil when the key is absent.
    var onPrimaryLostLine: Int?
    /// The `servers` key as written; nil means every `[[server]]`.
    var servers: [String]?
    /// Line of the `servers` key; nil when the key is absent.
    var serversLine: Int?
    /// Line of the `[[listener]]` header.
    var line: Int

    /// The finished listener with its server pool, or nil when a required key is missing (already reported).
    func config(allServers: [String]) -> ListenerConfig? {
        guard let name, let binds else { return nil }
        return ListenerConfig(
            name: name, binds: binds, role: role, balance: balance, maxconn: maxconn,
            maxconnPerSource: maxconnPerSource, servers: servers ?? allServers, maxLag: maxLag,
            requireStreaming: requireStreaming, tags: tags, onMarkedDown: onMarkedDown, onMarkedUp: onMarkedUp,
            onPrimaryLost: onPrimaryLost, line: line)
    }
}

extension ConfigLoader {
    static var listenerSchema: TableSchema<ListenerDraft> {
        TableSchema([
            KeyRule("name", required: true) { field, listener in
                listener.name = field.identifier()
                listener.nameLine = field.line
            },
            .value("bind", required: true, \.binds) { $0.endpoints() },
            KeyRule("role") { field, listener in
                listener.roleLine = field.line
                if let role: ListenerRole = field.choice("role") { listener.role = role }
            },
            .value("balance", \.balance) { $0.choice("balance algorithm") },
            .value("maxconn", \.maxconn) { $0.integer(in: 1...Int.max) },
            .value("maxconn_per_source", \.maxconnPerSource) { $0.integer(in: 0...Int.max) },
            KeyRule("max_lag") { field, listener in
                listener.maxLag = field.lagLimit()
                listener.maxLagLine = field.line
            },
            KeyRule("require_streaming") { field, listener in
                listener.requireStreaming = field.boolean() ?? false
                listener.requireStreamingLine = field.line
            },
            KeyRule("tags") { field, listener in
                listener.tagsLine = field.line
                if let tags = field.patroniTags() { listener.tags = tags }
            },
            .value("on_marked_down", \.onMarkedDown) { $0.choice("on_marked_down action") },
            .value("on_marked_up", \.onMarkedUp) { $0.choice("on_marked_up action") },
            KeyRule("on_primary_lost") { field, listener in
                listener.onPrimaryLostLine = field.line
                if let action: MarkedDownAction = field.choice("on_primary_lost action") {
                    listener.onPrimaryLost = action
                }
            },
            KeyRule("servers") { field, listener in
                listener.servers = field.serverNames()
                listener.serversLine = field.line
            },
        ])
    }

    /// Checks what needs every listener and server at once: unique names, known servers, a non-empty pool,
    /// and binds no two listeners share.
    static func checkListeners(_ listeners: [ListenerDraft], servers: [String], diagnostics: Diagnostics) {
        if listeners.isEmpty {
            diagnostics.report(key: "listener", line: 1, "no [[listener]] defined; at least one is required")
        }
        var nameLines: [String: Int] = [:]
        var bindOwners: [Endpoint: (listener: String, line: Int)] = [:]
        for listener in listeners {
            let label = listener.name.map { "listener \"\($0)\"" } ?? "this listener"
            if let name = listener.name {
                if let first = nameLines[name] {
                    diagnostics.report(
                        key: "listener.name", line: listener.nameLine,
                        "duplicate listener name \"\(name)\"; first defined on line \(first)")
                } else {
                    nameLines[name] = listener.nameLine
                }
            }
            for bind in listener.binds ?? [] {
                if let owner = bindOwners[bind] {
                    diagnostics.report(
                        key: "listener.bind", line: bind.line,
                        "\(bind) is already bound by \(owner.listener) on line \(owner.line)")
                } else {
                    bindOwners[bind] = (label, bind.line)
                }
            }
            checkPool(of: listener, label: label, servers: servers, diagnostics: diagnostics)
            if let line = listener.onPrimaryLostLine, !listener.role.mayReachPrimary {
                diagnostics.report(
                    key: "listener.on_primary_lost", line: line,
                    "\(label) has role = \"\(listener.role.rawValue)\", whose pool never holds a primary; "
                        + "on_primary_lost applies to role = \"primary\", \"any\" and \"replica-or-primary\"")
            }
        }
    }

    private static func checkPool(
        of listener: ListenerDraft, label: String, servers: [String], diagnostics: Diagnostics
    ) {
        guard let pool = listener.servers, let poolLine = listener.serversLine else {
            // A `servers` key that failed to read was reported already; only a missing one falls back to all.
            if listener.serversLine == nil && servers.isEmpty {
                diagnostics.report(
                    key: "listener.servers", line: listener.line,
                    "\(label) has no servers: the file defines no [[server]]")
            }
            return
        }
        let known = servers.isEmpty
            ? "the file defines no [[server]]"
            : "known servers: " + servers.map { "\"\($0)\"" }.joined(separator: ", ")
        var listed: Set<String> = []
        for name in pool {
            if !servers.contains(name) {
                diagnostics.report(key: "listener.servers", line: poolLine, "unknown server \"\(name)\"; \(known)")
            } else if !listed.insert(name).inserted {
                diagnostics.report(key: "listener.servers", line: poolLine, "server \"\(name)\" is listed twice")
            }
        }
    }
}
