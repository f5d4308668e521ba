import ConfigModel

/// What haproxy.cfg says, directive by directive, with every proxy's inherited defaults resolved; the assembler
/// turns it into pgfloat's tables.
struct HAProxyModel: Sendable {
    var adminSocket: Sourced<String>?
    var adminGroup: Sourced<String>?
    var processMaxconn: Sourced<Int>?
    /// `listen`, `frontend` and `backend` sections in file order.
    var proxies: [ProxySettings] = []
}

/// Reads haproxy.cfg's sections into an ``HAProxyModel``, reporting each directive it drops.
///
/// Every directive goes through ``HAProxyDirective/match(_:)``: an unknown one gets a warning, a known one is
/// handled by the exhaustive switch in ``apply(_:to:)`` or dropped with its mapping's reason.
struct HAProxyReader {
    let source: ImportSource
    var log = DiagnosticLog()
    var model = HAProxyModel()

    init(source: ImportSource) {
        self.source = source
    }

    func origin(_ line: Int, _ directive: String) -> Origin {
        Origin(path: source.path, line: line, directive: directive, displayName: source.displayName)
    }

    mutating func read(_ document: HAProxyDocument) {
        for statement in document.orphans {
            log.warn(
                origin(statement.line, HAProxyDirective.unknownName(statement.words)),
                "outside any section; not translated")
        }
        var defaults = ProxySettings(kind: .defaults, name: "", origin: origin(0, "defaults"))
        var namedDefaults: [String: ProxySettings] = [:]
        for section in document.sections {
            switch section.kind {
            case .other(let keyword):
                log.warn(origin(section.line, keyword), "pgfloat has no use for this section; not translated")
            case .known(.global):
                var global = ProxySettings(kind: .global, name: "", origin: origin(section.line, "global"))
                for statement in section.statements { apply(statement, to: &global) }
            case .known(.defaults):
                // A `defaults` section replaces every earlier one for the proxies below it.
                defaults = ProxySettings(kind: .defaults, name: section.name, origin: origin(section.line, "defaults"))
                for statement in section.statements { apply(statement, to: &defaults) }
                if !section.name.isEmpty { namedDefaults[section.name] = defaults }
            case .known(let kind):
                // `from NAME` inherits a named defaults section instead of the last one above.
                var base = defaults
                if section.arguments.first == "from", section.arguments.count > 1 {
                    if let named = namedDefaults[section.arguments[1]] {
                        base = named
                    } else {
                        log.warn(
                            origin(section.line, kind.rawValue), "no defaults section named \(section.arguments[1])")
                    }
                }
                var proxy = base.inherited(
                    kind: kind, name: section.name, origin: origin(section.line, kind.rawValue))
                if section.name.isEmpty {
                    log.warn(proxy.origin, "a \(kind.rawValue) section needs a name; not translated")
                    continue
                }
                // The old `listen NAME ADDRESS:PORT` form binds on the section line.
                if kind == .listen || kind == .frontend, let address = section.arguments.first, address != "from" {
                    apply(HAProxyStatement(words: ["bind", address], line: section.line), to: &proxy)
                }
                for statement in section.statements { apply(statement, to: &proxy) }
                model.proxies.append(proxy)
            }
        }
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private mutating func apply(_ statement: HAProxyStatement, to proxy: inout ProxySettings) {
        guard let (directive, length) = HAProxyDirective.match(statement.words) else {
            log.warn(
                origin(statement.line, HAProxyDirective.unknownName(statement.words)),
                "not known to the importer; not translated")
            return
        }
        let name = statement.words.prefix(length).joined(separator: " ")
        let here = origin(statement.line, name)
        let arguments = Array(statement.words.dropFirst(length))
        guard directive.contexts.contains(HAProxyContexts(proxy.kind)) else {
            log.warn(here, "not valid in a \(proxy.kind.rawValue) section; not translated")
            return
        }
        switch directive {
        case .log, .chroot, .statsTimeout, .userOrGroup, .daemon, .pidfile, .threads, .sslDefaults,
            .optionDontlognull, .optionHttplog, .externalCheckPath, .useBackend, .tcpCheckRule:
            log.dropped(here, directive.mapping)
        case .externalCheckAllowed, .optionRedispatch, .optionLogHealthChecks, .optionTcplog:
            break
        case .statsSocket:
            readStatsSocket(arguments, at: here)
        case .maxconn:
            guard let value = integer(arguments, at: here) else { return }
            if proxy.kind == .global {
                model.processMaxconn = Sourced(value, here)
            } else {
                proxy.maxconn = Sourced(value, here)
            }
        case .mode:
            guard let mode = arguments.first else { return missingValue(here) }
            switch mode {
            case "tcp": proxy.mode = Sourced(mode, here)
            case "http": proxy.mode = Sourced(mode, here)
            default: log.warn(here, "mode \(mode) has no equivalent: pgfloat proxies TCP")
            }
        case .timeoutConnect: readTimeout(.connect, arguments, at: here, into: &proxy)
        case .timeoutClient: readTimeout(.client, arguments, at: here, into: &proxy)
        case .timeoutServer: readTimeout(.server, arguments, at: here, into: &proxy)
        case .timeoutQueue: readTimeout(.queue, arguments, at: here, into: &proxy)
        case .timeoutCheck: readTimeout(.check, arguments, at: here, into: &proxy)
        case .timeoutTunnel: readTimeout(.tunnel, arguments, at: here, into: &proxy)
        case .retries:
            guard let value = integer(arguments, at: here) else { return }
            proxy.retries = Sourced(value, here)
        case .bind:
            readBind(arguments, at: here, into: &proxy)
        case .balance:
            readBalance(arguments, at: here, into: &proxy)
        case .server:
            readServer(arguments, at: here, into: &proxy)
        case .defaultServer:
            proxy.defaultServer = proxy.defaultServer.overlaid(with: parameters(arguments[...], at: here))
        case .optionHttpchk:
            switch arguments.count {
            case 0: proxy.check = Sourced(.http(method: "OPTIONS", uri: "/"), here)
            case 1: proxy.check = Sourced(.http(method: "OPTIONS", uri: arguments[0]), here)
            default: proxy.check = Sourced(.http(method: arguments[0], uri: arguments[1]), here)
            }
        case .httpCheckSend:
            readHTTPCheckSend(arguments, at: here, into: &proxy)
        case .httpCheckExpect:
            if arguments != ["status", "200"] {
                log.warn(
                    here,
                    "the patroni check reads the role from GET /patroni; this expectation is not used")
            }
        case .optionPgsqlCheck:
            var user: String?
            if arguments.count >= 2, arguments[0] == "user" { user = arguments[1] }
            proxy.check = Sourced(.pgsql(user: user), here)
        case .optionTcpCheck:
            proxy.check = Sourced(.tcp, here)
        case .optionExternalCheck:
            proxy.check = Sourced(.external, here)
        case .externalCheckCommand:
            guard let command = arguments.first else { return missingValue(here) }
            proxy.externalCommand = Sourced(command, here)
        case .statsEnable:
            markStats(&proxy, here)
        case .statsURI:
            markStats(&proxy, here)
            guard let uri = arguments.first else { return missingValue(here) }
            proxy.stats.uri = Sourced(uri, here)
        case .statsRefresh:
            markStats(&proxy, here)
            guard let refresh = duration(arguments, at: here) else { return }
            proxy.stats.refresh = Sourced(refresh, here)
        case .statsAdmin, .statsAuth, .statsCosmetic:
            markStats(&proxy, here)
            log.dropped(here, directive.mapping)
        case .defaultBackend:
            guard let backend = arguments.first else { return missingValue(here) }
            proxy.defaultBackend = Sourced(backend, here)
        case .rules:
            // HAProxy's built-in Prometheus exporter is pgfloat's /metrics.
            if statement.words.first == "http-request", arguments.starts(with: ["use-service", "prometheus-exporter"]) {
                return
            }
            log.dropped(here, directive.mapping)
        }
    }

    private mutating func markStats(_ proxy: inout ProxySettings, _ here: Origin) {
        if proxy.stats.firstDirective == nil { proxy.stats.firstDirective = here }
    }

    mutating func missingValue(_ here: Origin) {
        log.warn(here, "expected a value; not translated")
    }

    mutating func integer(_ arguments: [String], at here: Origin) -> Int? {
        guard let text = arguments.first else {
            missingValue(here)
            return nil
        }
        guard let value = HAProxyValues.integer(text) else {
            log.warn(here, "\"\(text)\" is not a whole number; not translated")
            return nil
        }
        return value
    }

    mutating func duration(_ arguments: [String], at here: Origin) -> Duration? {
        guard let text = arguments.first else {
            missingValue(here)
            return nil
        }
        return duration(text, at: here)
    }

    mutating func duration(_ text: String, at here: Origin) -> Duration? {
        guard let value = HAProxyValues.duration(text) else {
            log.warn(here, "\"\(text)\" is not an HAProxy time (a whole number with us, ms, s, m, h or d)")
            return nil
        }
        return value
    }

    private mutating func readTimeout(
        _ kind: TimeoutKind, _ arguments: [String], at here: Origin, into proxy: inout ProxySettings
    ) {
        guard let value = duration(arguments, at: here) else { return }
        proxy.timeouts[kind] = Sourced(value, here)
    }

    private mutating func readStatsSocket(_ arguments: [String], at here: Origin) {
        guard let path = arguments.first else { return missingValue(here) }
        guard model.adminSocket == nil else {
            log.warn(here, "pgfloat has one admin socket; kept the first (\(model.adminSocket!.value))")
            return
        }
        guard path.hasPrefix("/") else {
            log.warn(here, "\"\(path)\" is not a UNIX socket path: the admin socket is a UNIX socket; not translated")
            return
        }
        model.adminSocket = Sourced(
            path, here, remark: "HAProxy's path, so runbooks keep working; pgfloat's user must be able to create it")
        var index = 1
        while index < arguments.count {
            let keyword = arguments[index]
            let value = index + 1 < arguments.count ? arguments[index + 1] : ""
            switch keyword {
            case "group", "gid":
                model.adminGroup = Sourced(value, here)
            case "level":
                if value != "admin" {
                    log.warn(
                        here,
                        "level \(value): pgfloat's admin socket accepts every command; only its group (admin_group) "
                            + "limits who may use it")
                }
            case "mode":
                if value != "660" && value != "0660" {
                    log.note(here, "mode \(value): pgfloat's admin socket is always mode 0660")
                }
            case "user", "uid", "expose-fd":
                break
            default:
                log.warn(here, "socket parameter \(keyword) is not translated")
                index += 1
                continue
            }
            index += 2
        }
    }

    private mutating func readBind(_ arguments: [String], at here: Origin, into proxy: inout ProxySettings) {
        guard let addresses = arguments.first else { return missingValue(here) }
        let parameters = arguments.dropFirst()
        if parameters.contains("ssl") || parameters.contains("crt") {
            log.warn(
                here,
                "pgfloat does not terminate TLS: clients' TLS goes through to PostgreSQL; bind ssl parameters are "
                    + "not kept")
        } else if let first = parameters.first {
            log.warn(here, "bind parameters from \"\(first)\" on are not translated")
        }
        for address in addresses.split(separator: ",").map(String.init) {
            switch HAProxyValues.address(address) {
            case .address(let host, let port?):
                proxy.binds.append(Sourced(endpointText(host: host, port: port), here))
            case .address(_, nil):
                log.warn(here, "\"\(address)\" has no port; not translated")
            case .unsupported(let what):
                log.warn(here, "\"\(address)\" is \(what), which pgfloat does not listen on; not translated")
            case .invalid:
                log.warn(here, "\"\(address)\" is not an address:port; not translated")
            }
        }
    }

    private mutating func readBalance(_ arguments: [String], at here: Origin, into proxy: inout ProxySettings) {
        guard let algorithm = arguments.first else { return missingValue(here) }
        switch algorithm {
        case "roundrobin", "static-rr": proxy.balance = Sourced(.roundrobin, here)
        case "leastconn": proxy.balance = Sourced(.leastconn, here)
        case "first": proxy.balance = Sourced(.first, here)
        case "source": proxy.balance = Sourced(.source, here)
        default:
            log.warn(here, "balance \(algorithm) has no equivalent for TCP sessions: roundrobin")
            proxy.balance = Sourced(.roundrobin, here)
        }
    }

    private mutating func readHTTPCheckSend(
        _ arguments: [String], at here: Origin, into proxy: inout ProxySettings
    ) {
        var method = "GET"
        var uri = "/"
        if case .http(let oldMethod, let oldURI)? = proxy.check?.value {
            method = oldMethod
            uri = oldURI
        }
        var index = 0
        while index + 1 < arguments.count {
            switch arguments[index] {
            case "meth": method = arguments[index + 1]
            case "uri": uri = arguments[index + 1]
            case "ver": break
            case "hdr":
                log.warn(here, "header \(arguments[index + 1]) is not sent by pgfloat's patroni check")
                index += 1
            default:
                log.warn(here, "\(arguments[index]) is not sent by pgfloat's patroni check")
            }
            index += 2
        }
        proxy.check = Sourced(.http(method: method, uri: uri), here)
    }
}
