import Prometheus

/// Every metric `/metrics` exposes, with its one help text: the registry refuses two texts for one name.
extension MetricNameDescriptor {
    static let uptimeSeconds = pgfloat("uptime", unit: "seconds", help: "Seconds since pgfloat started.")
    static let sessions = pgfloat("sessions", unit: "current", help: "Client sessions held now, all listeners.")
    static let sessionsTotal = pgfloat("sessions", unit: "total", help: "Client connections accepted since start.")
    static let cancelsForwardedTotal = pgfloat(
        "cancels_forwarded", unit: "total",
        help: "CancelRequests sent to a server, by target: owner (the key's server) or broadcast (one per server).")
    static let cancelsDroppedTotal = pgfloat(
        "cancels_dropped", unit: "total", help: "CancelRequests or their forwards not delivered, by reason.")
    static let directTLSSessionsTotal = pgfloat(
        "direct_tls_sessions", unit: "total", help: "Connections opened with a TLS ClientHello (direct TLS).")
    static let relayInfo = pgfloat(
        "relay", unit: "info",
        help: "1 on the relay running: epoll (pgfloat copies the bytes) or sockmap (the kernel relays sessions).")
    static let kernelSessions = pgfloat(
        "kernel_sessions_current", help: "Sessions the kernel (BPF sockmap) relays now.")
    static let kernelHandoffsTotal = pgfloat(
        "kernel_handoffs", unit: "total", help: "Sessions handed to the kernel (BPF sockmap) relay.")
    static let kernelFallbacksTotal = pgfloat(
        "kernel_fallbacks", unit: "total",
        help: "Sessions the kernel relay's maps refused, which stayed with the epoll relay.")
    static let kernelTakeoversTotal = pgfloat(
        "kernel_takeovers", unit: "total",
        help: "Kernel-relayed directions taken back to user space: grant ran out, or the peer fell behind.")
    static let kernelRedirectedBytesTotal = pgfloat(
        "kernel_redirected_bytes", unit: "total",
        help: "Bytes the kernel relay moved between sessions' sockets without pgfloat reading them, both ways.")
    static let acceptErrorsTotal = pgfloat("accept_errors", unit: "total", help: "accept() failures.")
    static let localErrorsTotal = pgfloat(
        "local_errors", unit: "total",
        help: "Server connections not opened for lack of pgfloat's own resources, by call and error.")
    static let badStartupsTotal = pgfloat("bad_startups", unit: "total", help: "Malformed first packets, by reason.")
    static let splitBrain = pgfloat(
        "split_brain", help: "1 while several servers claim primary and none can be chosen.")
    static let splitBrainEventsTotal = pgfloat(
        "split_brain_events", unit: "total", help: "Check rounds that found a split brain.")
    static let newestTimeline = pgfloat(
        "newest_timeline", help: "Newest timeline a server answered primary on; no writes to an older one.")
    static let timelineWriteFailuresTotal = pgfloat(
        "timeline_write_failures", unit: "total",
        help: "Failed writes of the state file that keeps the newest timeline across restarts.")
    static let patroniPaused = pgfloat(
        "patroni_paused", help: "1 while a server reports Patroni's maintenance mode: Patroni fails nothing over.")
    static let primaryClaimants = pgfloat(
        "primary_claimants", help: "Servers that say they are primary now; more than 1 is an alert.")
    static let logLinesDroppedTotal = pgfloat(
        "log_lines_dropped", unit: "total", help: "Log lines dropped because stderr did not take them in time.")
    static let reloadFailuresTotal = pgfloat(
        "reload_failures", unit: "total", help: "Reloads that failed and left the running configuration as it was.")
    static let listenerSessions = pgfloat("listener_sessions", unit: "current", help: "Sessions held now.")
    static let listenerSessionsTotal = pgfloat(
        "listener_sessions", unit: "total", help: "Sessions accepted since start.")
    static let listenerQueue = pgfloat("listener_queue", help: "Clients waiting for a server now.")
    static let listenerQueueMax = pgfloat("listener_queue", unit: "max", help: "Most clients waiting at once.")
    static let listenerPerSourceRefusalsTotal = pgfloat(
        "listener_per_source_refusals", unit: "total", help: "Clients refused at maxconn_per_source.")
    static let listenerQueueTimeoutsTotal = pgfloat(
        "listener_queue_timeouts", unit: "total", help: "Clients refused with 57P03 after timeout_queue.")
    static let listenerBytesInTotal = pgfloat("listener_bytes_in", unit: "total", help: "Bytes from clients.")
    static let listenerBytesOutTotal = pgfloat("listener_bytes_out", unit: "total", help: "Bytes to clients.")
    static let listenerEligibleServers = pgfloat(
        "listener_eligible_servers", help: "Servers that may take new sessions now.")
    static let serverSessions = pgfloat("server_sessions", unit: "current", help: "Sessions to the server now.")
    static let serverSessionsTotal = pgfloat(
        "server_sessions", unit: "total", help: "Sessions established to the server.")
    static let serverBytesInTotal = pgfloat(
        "server_bytes_in", unit: "total", help: "Bytes from clients to the server.")
    static let serverBytesOutTotal = pgfloat(
        "server_bytes_out", unit: "total", help: "Bytes from the server to clients.")
    static let serverEligible = pgfloat("server_eligible", help: "1 when the listener may route to it now.")
    static let serverWeight = pgfloat("server_weight", help: "Effective balancing weight.")
    static let serverAdminState = pgfloat(
        "server_admin_state", help: "What the operator set through the runtime API (1 on the current state).")
    static let serverUp = pgfloat("server_up", help: "1 when the server's checks pass.")
    static let serverRole = pgfloat("server_role", help: "The role the checks trust (1 on the current role).")
    static let serverLagBytes = pgfloat("server_lag", unit: "bytes", help: "Replication lag.")
    static let serverReplayDelaySeconds = pgfloat(
        "server_replay_delay", unit: "seconds", help: "Age of a replica's last replayed commit while WAL waits.")
    static let serverDiverged = pgfloat(
        "server_diverged", help: "1 for a replica on another timeline or ahead of the primary: it takes no reads.")
    static let serverTimeline = pgfloat("server_timeline", help: "Timeline the server is on.")
    static let checkFailuresTotal = pgfloat("check_failures", unit: "total", help: "Failed health checks.")
    static let checkInconclusiveTotal = pgfloat(
        "check_inconclusive", unit: "total", help: "Checks the server answered too busy to run (53300, 57014).")
    static let serverDownTransitionsTotal = pgfloat(
        "server_down_transitions", unit: "total", help: "Up to down transitions.")
    static let serverConnectFailuresTotal = pgfloat("server_connect_failures", unit: "total", help: "Failed connects.")
    static let serverDowntimeSeconds = pgfloat("server_downtime", unit: "seconds", help: "Time spent down.")
    static let vrrpState = pgfloat("vrrp_state", help: "VRRP state of the instance (1 on the current state).")
    static let vrrpPriority = pgfloat("vrrp_priority", help: "Priority advertised now.")
    static let vrrpTransitionsTotal = pgfloat("vrrp_transitions", unit: "total", help: "VRRP state changes.")
    static let vrrpAdvertsSentTotal = pgfloat("vrrp_adverts_sent", unit: "total", help: "VRRP adverts sent.")
    static let vrrpAdvertsReceivedTotal = pgfloat(
        "vrrp_adverts_received", unit: "total", help: "VRRP adverts accepted.")
    static let vrrpDiscardedTotal = pgfloat("vrrp_discarded", unit: "total", help: "VRRP packets dropped, by reason.")
    static let vrrpVIPsRestoredTotal = pgfloat(
        "vrrp_vips_restored", unit: "total", help: "VIPs that vanished while master and were added back.")
    static let vrrpAddressListMismatchAcceptedTotal = pgfloat(
        "vrrp_address_list_mismatch_accepted", unit: "total",
        help: "VRRPv3 adverts accepted although they named other VIPs than this instance's.")
    static let vrrpGratuitousDroppedTotal = pgfloat(
        "vrrp_gratuitous_dropped", unit: "total",
        help: "Gratuitous ARP / unsolicited NA frames given up because the packet socket's queue was full.")
    static let dcsConnected = pgfloat("dcs_connected", help: "1 while the watch of Patroni's store runs.")
    static let dcsRevision = pgfloat("dcs_revision", help: "The store revision seen last.")
    static let dcsWritesFenced = pgfloat(
        "dcs_writes_fenced", help: "1 while writes are stopped because the store is lost (on_dcs_loss fence).")
    static let dcsLastEventAgeSeconds = pgfloat(
        "dcs_last_event_age", unit: "seconds", help: "Seconds since the last read or watch event.")
    static let dcsLeader = pgfloat("dcs_leader", help: "1 on the member the leader key names.")
    static let dcsEventsTotal = pgfloat("dcs_events", unit: "total", help: "Watch events applied.")
    static let dcsReconnectsTotal = pgfloat("dcs_reconnects", unit: "total", help: "Watches resumed after a loss.")
    static let dcsResyncsTotal = pgfloat(
        "dcs_resyncs", unit: "total", help: "Full re-reads because the revision to resume from was compacted.")
    static let dcsStaleWatchesTotal = pgfloat(
        "dcs_stale_watches", unit: "total",
        help: "Watches given up because the liveness read saw a leader change they never delivered.")
    static let dcsDisagreementsTotal = pgfloat(
        "dcs_disagreements", unit: "total", help: "Times the checks contradicted the leader key.")

    /// A name in pgfloat's namespace: `pgfloat_<metric>_<unit>`.
    private static func pgfloat(_ metric: String, unit: String = "", help: String) -> Self {
        Self(namespace: "pgfloat", metricName: metric, unitName: unit, helpText: help)
    }
}
