import Prometheus

/// Every metric `/metrics` exposes, with its one help text: the registry refuses two texts for one name.
extension MetricNameDescriptor {
    static let uptimeSeconds = Self(
        namespace: "pgfloat", metricName: "uptime", unitName: "seconds", helpText: "Seconds since pgfloat started.")
    static let sessions = Self(
        namespace: "pgfloat", metricName: "sessions", unitName: "current",
        helpText: "Client sessions held now, all listeners.")
    static let sessionsTotal = Self(
        namespace: "pgfloat", metricName: "sessions", unitName: "total",
        helpText: "Client connections accepted since start.")
    static let cancelsForwardedTotal = Self(
        namespace: "pgfloat", metricName: "cancels_forwarded", unitName: "total",
        helpText: "CancelRequests forwarded.")
    static let cancelsDroppedTotal = Self(
        namespace: "pgfloat", metricName: "cancels_dropped", unitName: "total",
        helpText: "CancelRequests that could not be sent.")
    static let acceptErrorsTotal = Self(
        namespace: "pgfloat", metricName: "accept_errors", unitName: "total", helpText: "accept() failures.")
    static let badStartupsTotal = Self(
        namespace: "pgfloat", metricName: "bad_startups", unitName: "total",
        helpText: "Malformed first packets, by reason.")
    static let splitBrain = Self(
        namespace: "pgfloat", metricName: "split_brain", unitName: "",
        helpText: "1 while several servers claim primary and none can be chosen.")
    static let splitBrainEventsTotal = Self(
        namespace: "pgfloat", metricName: "split_brain_events", unitName: "total",
        helpText: "Check rounds that found a split brain.")
    static let listenerSessions = Self(
        namespace: "pgfloat", metricName: "listener_sessions", unitName: "current", helpText: "Sessions held now.")
    static let listenerSessionsTotal = Self(
        namespace: "pgfloat", metricName: "listener_sessions", unitName: "total",
        helpText: "Sessions accepted since start.")
    static let listenerQueue = Self(
        namespace: "pgfloat", metricName: "listener_queue", unitName: "",
        helpText: "Clients waiting for a server now.")
    static let listenerQueueMax = Self(
        namespace: "pgfloat", metricName: "listener_queue", unitName: "max", helpText: "Most clients waiting at once.")
    static let listenerQueueTimeoutsTotal = Self(
        namespace: "pgfloat", metricName: "listener_queue_timeouts", unitName: "total",
        helpText: "Clients refused with 57P03 after timeout_queue.")
    static let listenerBytesInTotal = Self(
        namespace: "pgfloat", metricName: "listener_bytes_in", unitName: "total", helpText: "Bytes from clients.")
    static let listenerBytesOutTotal = Self(
        namespace: "pgfloat", metricName: "listener_bytes_out", unitName: "total", helpText: "Bytes to clients.")
    static let listenerEligibleServers = Self(
        namespace: "pgfloat", metricName: "listener_eligible_servers", unitName: "",
        helpText: "Servers that may take new sessions now.")
    static let serverSessions = Self(
        namespace: "pgfloat", metricName: "server_sessions", unitName: "current",
        helpText: "Sessions to the server now.")
    static let serverSessionsTotal = Self(
        namespace: "pgfloat", metricName: "server_sessions", unitName: "total",
        helpText: "Sessions established to the server.")
    static let serverBytesInTotal = Self(
        namespace: "pgfloat", metricName: "server_bytes_in", unitName: "total",
        helpText: "Bytes from clients to the server.")
    static let serverBytesOutTotal = Self(
        namespace: "pgfloat", metricName: "server_bytes_out", unitName: "total",
        helpText: "Bytes from the server to clients.")
    static let serverEligible = Self(
        namespace: "pgfloat", metricName: "server_eligible", unitName: "",
        helpText: "1 when the listener may route to it now.")
    static let serverWeight = Self(
        namespace: "pgfloat", metricName: "server_weight", unitName: "", helpText: "Effective balancing weight.")
    static let serverAdminState = Self(
        namespace: "pgfloat", metricName: "server_admin_state", unitName: "",
        helpText: "What the operator set through the runtime API (1 on the current state).")
    static let serverUp = Self(
        namespace: "pgfloat", metricName: "server_up", unitName: "", helpText: "1 when the server's checks pass.")
    static let serverRole = Self(
        namespace: "pgfloat", metricName: "server_role", unitName: "",
        helpText: "The role the checks trust (1 on the current role).")
    static let serverLagBytes = Self(
        namespace: "pgfloat", metricName: "server_lag", unitName: "bytes", helpText: "Replication lag.")
    static let serverTimeline = Self(
        namespace: "pgfloat", metricName: "server_timeline", unitName: "", helpText: "Timeline the server is on.")
    static let checkFailuresTotal = Self(
        namespace: "pgfloat", metricName: "check_failures", unitName: "total", helpText: "Failed health checks.")
    static let serverDownTransitionsTotal = Self(
        namespace: "pgfloat", metricName: "server_down_transitions", unitName: "total",
        helpText: "Up to down transitions.")
    static let serverConnectFailuresTotal = Self(
        namespace: "pgfloat", metricName: "server_connect_failures", unitName: "total", helpText: "Failed connects.")
    static let serverDowntimeSeconds = Self(
        namespace: "pgfloat", metricName: "server_downtime", unitName: "seconds", helpText: "Time spent down.")
    static let vrrpState = Self(
        namespace: "pgfloat", metricName: "vrrp_state", unitName: "",
        helpText: "VRRP state of the instance (1 on the current state).")
    static let vrrpPriority = Self(
        namespace: "pgfloat", metricName: "vrrp_priority", unitName: "", helpText: "Priority advertised now.")
}
