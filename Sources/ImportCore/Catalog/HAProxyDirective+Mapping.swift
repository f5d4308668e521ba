/// What each HAProxy directive becomes, and why: the words of both the README table and the importer's notes.
extension HAProxyDirective {
    var mapping: DirectiveMapping {
        let (directive, pgfloat, disposition, why) = row
        return DirectiveMapping(
            source: .haproxy, directive: directive, context: contexts.text, pgfloat: pgfloat,
            disposition: disposition, why: why)
    }

    // swiftlint:disable:next function_body_length
    private var row: (String, String, Disposition, String) {
        switch self {
        case .log:
            return (
                "log", "", .ignored,
                "pgfloat logs one line per event on stderr (the journal under systemd) and one per finished session "
                    + "(`[global] log_sessions`); it has no syslog target"
            )
        case .chroot:
            return (
                "chroot", "", .ignored,
                "pgfloat does not chroot itself; confine it with its service manager (systemd's ProtectSystem)"
            )
        case .statsSocket:
            return (
                "stats socket PATH", "`[global] admin_socket`, `admin_group`", .translated,
                "the same runtime API commands on the same path, so runbooks keep working; the socket is always "
                    + "mode 0660 and accepts every command (`level` is not kept); its `group` becomes `admin_group`"
            )
        case .statsTimeout:
            return ("stats timeout", "", .ignored, "the admin socket has no idle timeout setting")
        case .userOrGroup:
            return ("user, group", "", .ignored, "pgfloat runs as the user and group its service unit gives it")
        case .daemon:
            return ("daemon", "", .ignored, "pgfloat stays in the foreground, as a systemd service does")
        case .pidfile:
            return ("pidfile", "", .ignored, "pgfloat writes no PID file; its service manager tracks the process")
        case .threads:
            return (
                "nbthread, nbproc, cpu-map", "", .ignored,
                "pgfloat's data plane is one epoll thread and VRRP has a thread of its own; there is no setting"
            )
        case .sslDefaults:
            return (
                "ssl-default-bind-*, ssl-default-server-*", "", .ignored,
                "pgfloat does not terminate TLS: PostgreSQL's own TLS passes through, so PostgreSQL's ssl_ciphers "
                    + "and ssl_min_protocol_version apply"
            )
        case .externalCheckAllowed:
            return (
                "external-check, insecure-fork-wanted", "", .implied,
                "external checks run whenever `[check] type = \"external\"`"
            )
        case .maxconn:
            return (
                "maxconn N", "`[defaults] maxconn` (global), `[[listener]] maxconn`", .translated,
                "the process limit in global, each listener's limit elsewhere"
            )
        case .mode:
            return (
                "mode tcp", "", .implied,
                "pgfloat proxies TCP; `mode http` is expected only in the stats section, elsewhere it gets a warning"
            )
        case .optionTcplog:
            return ("option tcplog", "`[global] log_sessions = true`", .translated, "one line per finished session")
        case .optionDontlognull:
            return (
                "option dontlognull", "", .ignored,
                "pgfloat has no filter for connections that send nothing; they are logged too"
            )
        case .optionHttplog:
            return ("option httplog", "", .ignored, "the HTTP stats endpoint logs no requests")
        case .optionRedispatch:
            return (
                "option redispatch", "`[defaults] retries`", .implied,
                "a failed connect is always retried on the next eligible server"
            )
        case .optionLogHealthChecks:
            return ("option log-health-checks", "", .implied, "every server state change is logged")
        case .timeoutConnect:
            return ("timeout connect", "`[defaults] timeout_connect`", .translated, Self.oneTimeout)
        case .timeoutClient:
            return ("timeout client", "`[defaults] timeout_client`", .translated, Self.oneTimeout)
        case .timeoutServer:
            return ("timeout server", "`[defaults] timeout_server`", .translated, Self.oneTimeout)
        case .timeoutQueue:
            return ("timeout queue", "`[defaults] timeout_queue`", .translated, Self.oneTimeout)
        case .timeoutCheck:
            return ("timeout check", "`[check] timeout`", .translated, "one check per server")
        case .timeoutTunnel:
            return (
                "timeout tunnel", "`[defaults] timeout_client`, `timeout_server`", .translated,
                "in TCP mode it replaces both once a session is established"
            )
        case .retries:
            return ("retries N", "`[defaults] retries`", .translated, "0...100")
        case .bind:
            return (
                "bind ADDRESS:PORT", "`[[listener]] bind` (`[global] stats_bind` in the stats section)", .translated,
                "`*` or no address becomes 0.0.0.0; TLS termination (`ssl crt`), UNIX sockets and port ranges are "
                    + "not translated"
            )
        case .balance:
            return (
                "balance", "`[[listener]] balance`", .translated,
                "roundrobin, static-rr (as roundrobin), leastconn, first, source; other algorithms hash HTTP data or "
                    + "pick at random and become roundrobin with a warning"
            )
        case .server:
            return (
                "server NAME ADDRESS:PORT [params]", "`[[server]]`, `[[listener]] servers`", .translated,
                "one `[[server]]` per name and address, shared by the listeners that list it; a name reused for "
                    + "another address gets the listener's name appended"
            )
        case .defaultServer:
            return (
                "default-server [params]", "as the parameters of `server`", .translated,
                "applies to the servers that follow, as in HAProxy"
            )
        case .optionHttpchk:
            return (
                "option httpchk [METHOD] URI",
                "`[check] type = \"patroni\"`, `[[listener]] role`, `max_lag`, `tags`", .translated,
                "Patroni endpoints: /primary, /master, /leader, /read-write give role primary; /replica gives "
                    + "replica, /sync, /synchronous, /quorum give sync, /async, /asynchronous give async (their "
                    + "`?lag=` gives max_lag), /standby-leader gives standby-leader; /read-only, /health, /liveness, "
                    + "/readiness give any; `?tag_key=value` gives `tags`. pgfloat asks GET /patroni once per server "
                    + "for every listener, so listeners that checked "
                    + "different endpoints keep their difference as roles. Other URIs are not Patroni's: a tcp "
                    + "check, with a warning"
            )
        case .httpCheckSend:
            return (
                "http-check send meth M uri URI", "as `option httpchk`", .translated,
                "HAProxy 2.2's spelling of the check request"
            )
        case .httpCheckExpect:
            return (
                "http-check expect status 200", "", .implied,
                "the patroni check reads the role from GET /patroni instead of each endpoint's status; other "
                    + "expectations are dropped with a warning"
            )
        case .optionPgsqlCheck:
            return (
                "option pgsql-check user USER", "`[check] type = \"pgsql\"`, `user`", .translated,
                "HAProxy's check only proves that PostgreSQL answers; pgfloat's logs in and learns each server's "
                    + "role, so the listener gets a role from its name (primary or replica, else any), with a warning. "
                    + "The user needs a pg_hba.conf entry (a `password_file` if a password is asked) and "
                    + "`GRANT pg_monitor` for replicas' timelines"
            )
        case .optionTcpCheck:
            return ("option tcp-check", "`[check] type = \"tcp\"`", .translated, "a connect")
        case .tcpCheckRule:
            return (
                "tcp-check RULE", "", .unsupported,
                "pgfloat has no scripted TCP checks; the check is a connect (use type pgsql for PostgreSQL)"
            )
        case .optionExternalCheck:
            return ("option external-check", "`[check] type = \"external\"`", .translated, "with the command below")
        case .externalCheckCommand:
            return (
                "external-check command CMD", "`[check] command`", .translated,
                "the command gets PGFLOAT_SERVER_NAME, PGFLOAT_SERVER_ADDR and PGFLOAT_SERVER_PORT in its "
                    + "environment instead of HAProxy's arguments, and may print role=primary or role=replica so "
                    + "listeners can route by role"
            )
        case .externalCheckPath:
            return (
                "external-check path", "", .ignored,
                "the command is run by its absolute path, without a PATH search"
            )
        case .statsEnable:
            return (
                "stats enable", "`[global] stats_bind`", .implied,
                "a section with `stats` directives becomes pgfloat's HTTP endpoint, at its first bind address"
            )
        case .statsURI:
            return (
                "stats uri /stats", "", .implied,
                "pgfloat serves the page at /stats (with /stats;csv, /status.json, /metrics and /health); another "
                    + "URI gets a warning"
            )
        case .statsRefresh:
            return ("stats refresh TIME", "`[global] stats_refresh`", .translated, "")
        case .statsAdmin:
            return (
                "stats admin if ACL", "`[global] stats_admin`", .manual,
                "pgfloat has no ACLs, so stats_admin stays false: true would accept POST /admin from every client "
                    + "of stats_bind; turn it on together with stats_auth_file"
            )
        case .statsAuth:
            return (
                "stats auth USER:PASSWORD", "`[global] stats_auth_file`", .manual,
                "write the user:password lines to a file and name it in [global] stats_auth_file (the importer "
                    + "writes no secrets)"
            )
        case .statsCosmetic:
            return (
                "stats realm, hide-version, show-legends, show-node, show-desc", "", .ignored,
                "the stats page has no such options"
            )
        case .defaultBackend:
            return (
                "default_backend NAME", "`[[listener]]`", .implied,
                "the frontend's listener takes the backend's servers, balance and check"
            )
        case .useBackend:
            return (
                "use_backend NAME if ACL", "", .unsupported,
                "pgfloat routes by listener (address and port), not by rules; only default_backend is followed"
            )
        case .rules:
            return (
                "acl, tcp-request, http-request, http-response", "", .unsupported,
                "pgfloat has no ACLs or request rules (its /metrics replaces `http-request use-service "
                    + "prometheus-exporter`)"
            )
        }
    }

    private static let oneTimeout =
        "one value for every listener: when sections disagree the longest is kept, with a warning"
}
