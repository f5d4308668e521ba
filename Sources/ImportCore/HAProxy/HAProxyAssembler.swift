import ConfigModel

/// Turns the proxies of an ``HAProxyModel`` into pgfloat's tables.
///
/// A `listen` section, or a `frontend` with its `default_backend`, is one route and becomes one `[[listener]]`;
/// a section with `stats` directives becomes `[global] stats_bind`. Servers are shared between listeners by name
/// and address, and the per-proxy checks become the one `[check]` (see `HAProxyAssembler+Check.swift`).
struct HAProxyAssembler {
    /// A client-facing section and the section whose servers it routes to (the same one for `listen`).
    struct Route {
        var frontend: ProxySettings
        var backend: ProxySettings
    }

    /// One server of one listener, as the check derivation needs it.
    struct CheckUse {
        var server: Int
        var listener: String
        var request: Sourced<CheckRequest>?
        var command: Sourced<String>?
        var parameters: ServerParameters
        var origin: Origin
    }

    let model: HAProxyModel
    var log: DiagnosticLog
    var config = ImportedConfig()
    var registry = ServerRegistry()
    var checkUses: [CheckUse] = []
    /// Per server, what differs from `[check]`: filled by `deriveCheck`.
    var serverCheckTypes: [Int: Sourced<CheckType>] = [:]
    var serverCheckPorts: [Int: Sourced<Int>] = [:]

    init(model: HAProxyModel, log: DiagnosticLog) {
        self.model = model
        self.log = log
    }

    mutating func assemble() {
        config.global.adminSocket = model.adminSocket
        config.global.adminGroup = model.adminGroup
        config.defaults.maxconn = model.processMaxconn
        let routes = self.routes()
        var statsSeen = false
        var listenerRoutes: [Route] = []
        for route in routes {
            if route.frontend.stats.isStats || route.backend.stats.isStats {
                readStats(route, isFirst: !statsSeen)
                statsSeen = true
            } else {
                listenerRoutes.append(route)
            }
        }
        var taken: Set<String> = []
        for route in listenerRoutes {
            guard let listener = listener(for: route, taken: taken) else { continue }
            taken.insert(listener.name)
            config.listeners.append(listener)
        }
        readTimeouts(listenerRoutes)
        deriveCheck()
        buildServers()
    }

    /// Listen sections, and frontends with their default backend; backends nobody routes to are reported.
    private mutating func routes() -> [Route] {
        var routes: [Route] = []
        var usedBackends: Set<String> = []
        for proxy in model.proxies {
            switch proxy.kind {
            case .listen:
                routes.append(Route(frontend: proxy, backend: proxy))
            case .frontend:
                guard let wanted = proxy.defaultBackend else {
                    if !proxy.stats.isStats {
                        log.warn(proxy.origin, "frontend \(proxy.name) has no default_backend; not translated")
                        continue
                    }
                    routes.append(Route(frontend: proxy, backend: proxy))
                    continue
                }
                guard
                    let backend = model.proxies.first(where: {
                        ($0.kind == .backend || $0.kind == .listen) && $0.name == wanted.value
                    })
                else {
                    log.warn(wanted.origin ?? proxy.origin, "no backend named \(wanted.value); not translated")
                    continue
                }
                usedBackends.insert(backend.name)
                routes.append(Route(frontend: proxy, backend: backend))
            case .backend:
                continue
            case .global, .defaults:
                continue
            }
        }
        for proxy in model.proxies where proxy.kind == .backend && !usedBackends.contains(proxy.name) {
            log.warn(proxy.origin, "backend \(proxy.name) is no frontend's default_backend; not translated")
        }
        return routes
    }

    private mutating func readStats(_ route: Route, isFirst: Bool) {
        let origin = route.frontend.origin
        guard isFirst else {
            log.warn(origin, "pgfloat has one HTTP stats endpoint; this second stats section is not translated")
            return
        }
        if let bind = route.frontend.binds.first {
            config.global.statsBind = bind
            if route.frontend.binds.count > 1 {
                log.warn(route.frontend.binds[1].origin ?? origin, "stats_bind is one address; kept \(bind.value)")
            }
        } else {
            log.warn(origin, "the stats section has no bind; no stats_bind")
        }
        let stats = route.backend.stats.isStats ? route.backend.stats : route.frontend.stats
        config.global.statsRefresh = stats.refresh
        if let uri = stats.uri, uri.value != "/stats", let at = uri.origin {
            log.warn(at, "pgfloat serves the page at /stats; \(uri.value) is not kept")
        }
        if !route.backend.servers.isEmpty {
            log.warn(route.backend.servers[0].origin, "servers of the stats section are not translated")
        }
    }

    private mutating func listener(for route: Route, taken: Set<String>) -> ImportedListener? {
        let frontend = route.frontend
        let backend = route.backend
        if let mode = frontend.mode ?? backend.mode, mode.value == "http", let at = mode.origin {
            log.warn(at, "pgfloat proxies TCP only; \(frontend.name) is translated as TCP")
        }
        guard !frontend.binds.isEmpty else {
            log.warn(frontend.origin, "\(frontend.kind.rawValue) \(frontend.name) has no bind; not translated")
            return nil
        }
        guard !backend.servers.isEmpty else {
            log.warn(backend.origin, "\(backend.kind.rawValue) \(backend.name) has no servers; not translated")
            return nil
        }
        let name = Names.unique(frontend.name, fallback: "listener", taken: taken, at: frontend.origin, log: &log)
        var listener = ImportedListener(
            name: name, origin: frontend.origin, binds: frontend.binds, servers: [])
        let fallbackPort = frontend.binds.lazy.compactMap { Self.port(of: $0.value) }.first ?? 5432
        for server in backend.servers {
            let index = registry.register(server, listener: name, fallbackPort: fallbackPort, log: &log)
            if !listener.servers.contains(registry.entries[index].name) {
                listener.servers.append(registry.entries[index].name)
            }
            checkUses.append(
                CheckUse(
                    server: index, listener: name, request: backend.check, command: backend.externalCommand,
                    parameters: server.parameters, origin: server.origin))
        }
        listener.balance = backend.balance ?? Sourced(.roundrobin, nil, remark: "HAProxy's default")
        listener.maxconn = frontend.maxconn
        setRole(of: &listener, from: backend)
        setMarkedActions(of: &listener, servers: backend.servers)
        return listener
    }

    private mutating func setRole(of listener: inout ImportedListener, from backend: ProxySettings) {
        guard let request = backend.check, let at = request.origin else { return }
        switch request.value {
        case .http(_, let uri):
            guard let endpoint = PatroniEndpoint(uri: uri) else { return }
            listener.role = Sourced(endpoint.role, at)
            if let lag = endpoint.maxLag { listener.maxLag = Sourced(lag, at) }
            if !endpoint.tags.isEmpty { listener.tags = Sourced(endpoint.tags, at) }
            if let caveat = endpoint.caveat { log.warn(at, caveat) }
        case .pgsql(let user):
            let role = RoleGuess.role(forListenerNamed: listener.name)
            listener.role = Sourced(role, at, remark: role == .any ? nil : "from the listener's name")
            let routing =
                role == .any
                ? "listener \(listener.name) still routes to any server (its name says no role)"
                : "listener \(listener.name) now routes to role = \"\(role.rawValue)\" only, from its name (role = "
                    + "\"any\" routes as HAProxy did)"
            log.warn(
                at,
                "HAProxy's check only proved that PostgreSQL answers; pgfloat's pgsql check logs in as "
                    + "\(user ?? "postgres") and learns each server's role, so \(routing). The check user needs a "
                    + "pg_hba.conf entry ([check] password_file if a password is asked), and GRANT pg_monitor for replicas' timelines")
        case .external:
            log.warn(
                at,
                "listener \(listener.name) routes to any server that passes the check; to route by role, make the "
                    + "command print role=primary or role=replica and set the listener's role")
        case .tcp:
            break
        }
    }

    /// pgfloat closes sessions per listener; HAProxy per server.
    private mutating func setMarkedActions(of listener: inout ImportedListener, servers: [ParsedServer]) {
        let down = servers.compactMap(\.parameters.shutdownOnMarkedDown)
        if let first = down.first {
            listener.onMarkedDown = Sourced(.shutdownSessions, first.origin)
            if down.count < servers.count, let at = first.origin {
                log.warn(
                    at,
                    "only some servers of \(listener.name) shut their sessions down; pgfloat does it for the whole "
                        + "listener")
            }
        }
        let up = servers.compactMap(\.parameters.shutdownBackupOnMarkedUp)
        if let first = up.first {
            listener.onMarkedUp = Sourced(.shutdownBackupSessions, first.origin)
            if up.count < servers.count, let at = first.origin {
                log.warn(
                    at,
                    "only some servers of \(listener.name) shut backup sessions down; pgfloat does it for the whole "
                        + "listener")
            }
        }
    }

    /// `[defaults]` has one value per key: the longest of the listeners' when they differ.
    private mutating func readTimeouts(_ routes: [Route]) {
        func longest(_ kind: TimeoutKind, client: Bool = false) -> Sourced<Duration>? {
            let candidates = routes.compactMap { client ? $0.frontend.timeouts[kind] : $0.backend.timeouts[kind] }
            guard var kept = candidates.first else { return nil }
            for candidate in candidates where candidate.value > kept.value { kept = candidate }
            if let other = candidates.first(where: { $0.value != kept.value }), let at = other.origin {
                log.warn(
                    at,
                    "pgfloat has one value for every listener; kept the longest, \(DurationParser.text(kept.value))")
            }
            return kept
        }
        config.defaults.timeoutConnect = longest(.connect)
        config.defaults.timeoutClient = longest(.client, client: true)
        config.defaults.timeoutServer = longest(.server)
        config.defaults.timeoutQueue = longest(.queue)
        config.check.timeout = longest(.check)
        if var tunnel = longest(.tunnel) {
            tunnel.remark = "timeout tunnel: it replaces both idle timeouts of an established session"
            config.defaults.timeoutClient = tunnel
            config.defaults.timeoutServer = tunnel
        }
        let retries = routes.compactMap(\.backend.retries)
        if var kept = retries.first {
            for candidate in retries where candidate.value > kept.value { kept = candidate }
            if let other = retries.first(where: { $0.value != kept.value }), let at = other.origin {
                log.warn(at, "pgfloat has one value for every listener; kept the largest, \(kept.value)")
            }
            if kept.value > 100 {
                if let at = kept.origin { log.warn(at, "pgfloat allows at most 100 retries; written as 100") }
                kept.value = 100
            }
            config.defaults.retries = kept
        }
    }

    static func port(of endpoint: String) -> Int? {
        guard let colon = endpoint.lastIndex(of: ":") else { return nil }
        return Int(endpoint[endpoint.index(after: colon)...])
    }
}
