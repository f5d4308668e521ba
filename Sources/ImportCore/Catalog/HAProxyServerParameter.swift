/// The parameters of `server` and `default-server` lines the importer knows, with the number of values each takes.
enum HAProxyServerParameter: CaseIterable, Sendable {
    case check, port, addr, inter, fastinter, downinter, rise, fall, backup, weight, maxconn, slowstart
    case onMarkedDown, onMarkedUp, disabled, checkSSL, caFile, agentCheck, agentPort, agentInter, sendProxy
    case resolution, cosmetic

    var keywords: [String] {
        switch self {
        case .check: return ["check"]
        case .port: return ["port"]
        case .addr: return ["addr"]
        case .inter: return ["inter"]
        case .fastinter: return ["fastinter"]
        case .downinter: return ["downinter"]
        case .rise: return ["rise"]
        case .fall: return ["fall"]
        case .backup: return ["backup"]
        case .weight: return ["weight"]
        case .maxconn: return ["maxconn"]
        case .slowstart: return ["slowstart"]
        case .onMarkedDown: return ["on-marked-down"]
        case .onMarkedUp: return ["on-marked-up"]
        case .disabled: return ["disabled"]
        case .checkSSL: return ["check-ssl"]
        case .caFile: return ["ca-file"]
        case .agentCheck: return ["agent-check"]
        case .agentPort: return ["agent-port"]
        case .agentInter: return ["agent-inter"]
        case .sendProxy: return ["send-proxy", "send-proxy-v2"]
        case .resolution: return ["resolvers", "init-addr", "resolve-prefer"]
        case .cosmetic: return ["id", "cookie"]
        }
    }

    /// How many words follow the keyword.
    var arity: Int {
        switch self {
        case .check, .backup, .disabled, .checkSSL, .agentCheck, .sendProxy: return 0
        case .port, .addr, .inter, .fastinter, .downinter, .rise, .fall, .weight, .maxconn, .slowstart,
            .onMarkedDown, .onMarkedUp, .caFile, .agentPort, .agentInter, .resolution, .cosmetic:
            return 1
        }
    }

    static func named(_ word: String) -> HAProxyServerParameter? { byKeyword[word] }

    private static let byKeyword: [String: HAProxyServerParameter] = {
        var table: [String: HAProxyServerParameter] = [:]
        for parameter in allCases {
            for keyword in parameter.keywords { table[keyword] = parameter }
        }
        return table
    }()

    var mapping: DirectiveMapping {
        let (directive, pgfloat, disposition, why) = row
        return DirectiveMapping(
            source: .haproxy, directive: directive, context: "`server`, `default-server` parameter",
            pgfloat: pgfloat, disposition: disposition, why: why)
    }

    private var row: (String, String, Disposition, String) {
        let oneCheck =
            "one check per server: when servers or listeners disagree the most common value is kept, "
            + "with a warning"
        switch self {
        case .check:
            return (
                "check", "`[check]`", .implied,
                "pgfloat checks every server; one without `check` gets a warning, since HAProxy took it as always up"
            )
        case .port:
            return ("port N", "`[check] port` or `[[server]] check_port`", .translated, oneCheck)
        case .addr:
            return ("addr ADDRESS", "", .unsupported, "checks go to the server's own address")
        case .inter: return ("inter TIME", "`[check] interval`", .translated, oneCheck)
        case .fastinter: return ("fastinter TIME", "`[check] fast_interval`", .translated, oneCheck)
        case .downinter: return ("downinter TIME", "`[check] down_interval`", .translated, oneCheck)
        case .rise: return ("rise N", "`[check] rise`", .translated, oneCheck)
        case .fall: return ("fall N", "`[check] fall`", .translated, oneCheck)
        case .backup:
            return ("backup", "`[[server]] backup`", .translated, "per server, for every listener that lists it")
        case .weight:
            return ("weight N", "`[[server]] weight`", .translated, "per server, for every listener that lists it")
        case .maxconn:
            return ("maxconn N", "`[[server]] maxconn`", .translated, "per server, for every listener that lists it")
        case .slowstart:
            return ("slowstart TIME", "`[[server]] slowstart`", .translated, "")
        case .onMarkedDown:
            return (
                "on-marked-down shutdown-sessions", "`[[listener]] on_marked_down`", .translated,
                "pgfloat decides per listener: on when its servers have it (a warning when only some do)"
            )
        case .onMarkedUp:
            return (
                "on-marked-up shutdown-backup-sessions", "`[[listener]] on_marked_up`", .translated,
                "pgfloat decides per listener: on when its servers have it (a warning when only some do)"
            )
        case .disabled:
            return (
                "disabled", "runtime API `set server L/S state maint`", .manual,
                "pgfloat starts every server ready: put it in maintenance with `set server L/S state maint` on "
                    + "the runtime API"
            )
        case .checkSSL:
            return ("check-ssl", "`[check] scheme = \"https\"`", .translated, "")
        case .caFile:
            return ("ca-file PATH", "`[check] ca_file`", .translated, "")
        case .agentCheck:
            return ("agent-check", "`[check] type = \"agent\"`", .translated, "HAProxy's agent words")
        case .agentPort:
            return ("agent-port N", "`[check] port`", .translated, "")
        case .agentInter:
            return ("agent-inter TIME", "`[check] interval`", .translated, oneCheck)
        case .sendProxy:
            return ("send-proxy", "", .unsupported, "PostgreSQL does not read the PROXY protocol; pgfloat sends none")
        case .resolution:
            return (
                "resolvers, init-addr", "", .ignored, "host names are resolved at start and at every reload"
            )
        case .cosmetic:
            return ("id, cookie", "", .ignored, "not used for TCP proxying")
        }
    }
}
