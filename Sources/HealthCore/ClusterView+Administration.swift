import ConfigModel

extension ClusterView {
    /// What the operator set on `server` in `listener`; `.ready` when nothing was set.
    public func administration(of server: String, in listener: String) -> ServerAdministration {
        administration[ListenerServer(listener: listener, server: server)] ?? .ready
    }

    /// Sets the operator's state of `server` in `listener`, keeping any runtime weight.
    public mutating func setAdminState(_ state: ServerAdministration.State, of server: String, in listener: String) {
        update(ListenerServer(listener: listener, server: server)) { $0.state = state }
    }

    /// Replaces the configured weight of `server` in `listener` until the next restart.
    public mutating func setWeight(_ weight: Int, of server: String, in listener: String) {
        update(ListenerServer(listener: listener, server: server)) { $0.weight = max(0, weight) }
    }

    /// Whether `server`'s checks are paused: the operator put it in maintenance in every listener that uses it.
    /// A server still serving one listener keeps its checks, as that listener's routing depends on them.
    public func checksPaused(for server: String, listeners: [ListenerConfig]) -> Bool {
        let users = listeners.filter { $0.servers.contains(server) }
        return !users.isEmpty && users.allSatisfy { administration(of: server, in: $0.name).state == .maint }
    }

    /// Forgets what was set on pairs the configuration no longer has; a reload keeps the rest, so a server
    /// drained for maintenance is not handed sessions again because someone reloaded.
    public mutating func keepAdministration(of listeners: [ListenerConfig]) {
        let kept = Set(listeners.flatMap { listener in
            listener.servers.map { ListenerServer(listener: listener.name, server: $0) }
        })
        administration = administration.filter { kept.contains($0.key) }
    }

    private mutating func update(_ key: ListenerServer, _ change: (inout ServerAdministration) -> Void) {
        var value = administration[key] ?? .ready
        change(&value)
        administration[key] = value == .ready ? nil : value
    }
}
