/// The sections of haproxy.cfg the importer reads.
enum HAProxySectionKind: String, Sendable, Equatable {
    case global
    case defaults
    case listen
    case frontend
    case backend
}

/// The sections a directive may appear in.
struct HAProxyContexts: OptionSet, Sendable {
    let rawValue: Int

    static let global = HAProxyContexts(rawValue: 1 << 0)
    static let defaults = HAProxyContexts(rawValue: 1 << 1)
    static let listen = HAProxyContexts(rawValue: 1 << 2)
    static let frontend = HAProxyContexts(rawValue: 1 << 3)
    static let backend = HAProxyContexts(rawValue: 1 << 4)

    static let proxies: HAProxyContexts = [.defaults, .listen, .frontend, .backend]
    static let everywhere: HAProxyContexts = [.global, .proxies]
    /// Client-side directives: a frontend's, inherited from defaults.
    static let frontends: HAProxyContexts = [.defaults, .listen, .frontend]
    /// Server-side directives: a backend's, inherited from defaults.
    static let backends: HAProxyContexts = [.defaults, .listen, .backend]

    init(rawValue: Int) {
        self.rawValue = rawValue
    }

    init(_ kind: HAProxySectionKind) {
        switch kind {
        case .global: self = .global
        case .defaults: self = .defaults
        case .listen: self = .listen
        case .frontend: self = .frontend
        case .backend: self = .backend
        }
    }

    /// `defaults, listen, backend`, for the README table.
    var text: String {
        let names: [(HAProxyContexts, String)] = [
            (.global, "global"), (.defaults, "defaults"), (.listen, "listen"), (.frontend, "frontend"),
            (.backend, "backend"),
        ]
        return names.filter { contains($0.0) }.map(\.1).joined(separator: ", ")
    }
}

/// Every haproxy.cfg directive the importer knows: each one is translated, implied, or dropped with the reason
/// its mapping gives. A directive not listed here is reported as unknown.
enum HAProxyDirective: CaseIterable, Sendable {
    case log, chroot, statsSocket, statsTimeout, userOrGroup, daemon, pidfile, threads, sslDefaults
    case externalCheckAllowed, maxconn, mode
    case optionTcplog, optionDontlognull, optionHttplog, optionRedispatch, optionLogHealthChecks
    case timeoutConnect, timeoutClient, timeoutServer, timeoutQueue, timeoutCheck, timeoutTunnel, retries
    case bind, balance, server, defaultServer
    case optionHttpchk, httpCheckSend, httpCheckExpect, optionPgsqlCheck, optionTcpCheck, tcpCheckRule
    case optionExternalCheck, externalCheckCommand, externalCheckPath
    case statsEnable, statsURI, statsRefresh, statsAdmin, statsAuth, statsCosmetic
    case defaultBackend, useBackend, rules

    /// The spellings that select this directive: one or two words.
    var keywords: [String] {
        switch self {
        case .log: return ["log"]
        case .chroot: return ["chroot"]
        case .statsSocket: return ["stats socket"]
        case .statsTimeout: return ["stats timeout"]
        case .userOrGroup: return ["user", "group", "uid", "gid"]
        case .daemon: return ["daemon"]
        case .pidfile: return ["pidfile"]
        case .threads: return ["nbthread", "nbproc", "cpu-map"]
        case .sslDefaults:
            return [
                "ssl-default-bind-ciphers", "ssl-default-bind-ciphersuites", "ssl-default-bind-options",
                "ssl-default-server-ciphers", "ssl-default-server-ciphersuites", "ssl-default-server-options",
                "ssl-dh-param-file",
            ]
        case .externalCheckAllowed: return ["external-check", "insecure-fork-wanted"]
        case .maxconn: return ["maxconn"]
        case .mode: return ["mode"]
        case .optionTcplog: return ["option tcplog"]
        case .optionDontlognull: return ["option dontlognull"]
        case .optionHttplog: return ["option httplog"]
        case .optionRedispatch: return ["option redispatch"]
        case .optionLogHealthChecks: return ["option log-health-checks"]
        case .timeoutConnect: return ["timeout connect"]
        case .timeoutClient: return ["timeout client"]
        case .timeoutServer: return ["timeout server"]
        case .timeoutQueue: return ["timeout queue"]
        case .timeoutCheck: return ["timeout check"]
        case .timeoutTunnel: return ["timeout tunnel"]
        case .retries: return ["retries"]
        case .bind: return ["bind"]
        case .balance: return ["balance"]
        case .server: return ["server"]
        case .defaultServer: return ["default-server"]
        case .optionHttpchk: return ["option httpchk"]
        case .httpCheckSend: return ["http-check send"]
        case .httpCheckExpect: return ["http-check expect"]
        case .optionPgsqlCheck: return ["option pgsql-check"]
        case .optionTcpCheck: return ["option tcp-check"]
        case .tcpCheckRule: return ["tcp-check"]
        case .optionExternalCheck: return ["option external-check"]
        case .externalCheckCommand: return ["external-check command"]
        case .externalCheckPath: return ["external-check path"]
        case .statsEnable: return ["stats enable"]
        case .statsURI: return ["stats uri"]
        case .statsRefresh: return ["stats refresh"]
        case .statsAdmin: return ["stats admin"]
        case .statsAuth: return ["stats auth"]
        case .statsCosmetic:
            return ["stats realm", "stats hide-version", "stats show-legends", "stats show-node", "stats show-desc"]
        case .defaultBackend: return ["default_backend"]
        case .useBackend: return ["use_backend"]
        case .rules: return ["acl", "tcp-request", "http-request", "http-response"]
        }
    }

    var contexts: HAProxyContexts {
        switch self {
        case .log: return .everywhere
        case .mode: return .proxies
        case .chroot, .statsSocket, .statsTimeout, .userOrGroup, .daemon, .pidfile, .threads, .sslDefaults,
            .externalCheckAllowed:
            return .global
        case .maxconn: return [.global, .frontends]
        case .optionTcplog, .optionDontlognull, .optionHttplog, .timeoutClient, .defaultBackend: return .frontends
        case .useBackend: return [.listen, .frontend]
        case .bind: return [.listen, .frontend]
        case .server: return [.listen, .backend]
        case .optionRedispatch, .optionLogHealthChecks, .timeoutConnect, .timeoutServer, .timeoutQueue,
            .timeoutCheck, .timeoutTunnel, .retries, .balance, .defaultServer, .optionHttpchk, .httpCheckSend,
            .httpCheckExpect, .optionPgsqlCheck, .optionTcpCheck, .tcpCheckRule, .optionExternalCheck,
            .externalCheckCommand, .externalCheckPath:
            return .backends
        case .statsEnable, .statsURI, .statsRefresh, .statsAdmin, .statsAuth, .statsCosmetic, .rules:
            return .proxies
        }
    }

    /// The directive the words start with, and how many words name it (`option httpchk` is two).
    static func match(_ words: [String]) -> (directive: HAProxyDirective, length: Int)? {
        guard let first = words.first else { return nil }
        if words.count >= 2, let directive = byKeyword[first + " " + words[1]] { return (directive, 2) }
        return byKeyword[first].map { ($0, 1) }
    }

    /// The name an unknown directive is reported under: two words for the families that take a second one.
    static func unknownName(_ words: [String]) -> String {
        let families: Set = ["option", "no", "timeout", "stats", "http-check", "tcp-check", "external-check"]
        guard let first = words.first else { return "" }
        return families.contains(first) && words.count >= 2 ? first + " " + words[1] : first
    }

    private static let byKeyword: [String: HAProxyDirective] = {
        var table: [String: HAProxyDirective] = [:]
        for directive in allCases {
            for keyword in directive.keywords { table[keyword] = directive }
        }
        return table
    }()
}
