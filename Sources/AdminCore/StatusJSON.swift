import Foundation
import HealthCore

/// `/status.json`: the snapshot for machines (monitoring, a failover script's "is pg2 the primary here?").
///
/// Keys are snake_case and sorted, so the document is byte-stable for one snapshot and diffs cleanly; unknown
/// values are `null`, never left out, so readers see every key. Sessions are left out: client addresses are not
/// for a page any monitoring system may fetch. `JSONSerialization` does the string escaping.
public enum StatusJSON {
    /// One JSON object: `process`, `listeners`, `servers`, `vrrp` and `dcs` (null without `[dcs]`), keys sorted,
    /// compact.
    public static func render(_ snapshot: StatsSnapshot) -> String {
        let document: [String: Any] = [
            "process": process(snapshot.process),
            "listeners": snapshot.listeners.map(listener),
            "servers": snapshot.servers.map(server),
            "vrrp": snapshot.vrrp.map(vrrp),
            "dcs": nullable(snapshot.dcs.map(dcs)),
        ]
        // Every value is a string, number, bool, null, array or dictionary of those, which cannot fail to encode.
        let data = try! JSONSerialization.data(
            withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    private static func process(_ process: ProcessStats) -> [String: Any] {
        [
            "version": process.version, "pid": Int(process.pid), "node": process.node,
            "uptime_seconds": process.uptimeSeconds, "current_sessions": process.currentSessions,
            "total_sessions": process.totalSessions, "maxconn": process.maxconn, "queued": process.queued,
            "bad_startups": process.badStartups, "cancels_forwarded": process.cancelsForwardedTotal,
            "cancels_forwarded_by_target": process.cancelsForwarded,
            "cancels_dropped": process.cancelsDroppedTotal, "cancels_dropped_by_reason": process.cancelsDropped,
            "direct_tls_sessions": process.directTLSSessions,
            "relay": process.relay, "relay_fallback": nullable(process.relayFallbackReason),
            "kernel_sessions": process.kernelSessions, "kernel_handoffs": process.kernelHandoffs,
            "kernel_fallbacks": process.kernelFallbacks, "kernel_takeovers": process.kernelTakeovers,
            "kernel_redirected_bytes": process.kernelRedirectedBytes,
            "local_errors": process.localErrors,
            "accept_errors": process.acceptErrors,
            "primary": nullable(process.primary), "split_brain": process.splitBrain,
            "split_brain_events": process.splitBrainEvents, "log_lines_dropped": process.logLinesDropped,
            "newest_timeline": nullable(process.newestTimeline), "primary_claimants": process.primaryClaimants,
            "patroni_paused": nullable(process.patroniPaused),
            "reload_failures": process.reloadFailures,
        ]
    }

    private static func listener(_ listener: ListenerStats) -> [String: Any] {
        [
            "name": listener.name, "role": listener.role, "balance": listener.balance, "binds": listener.binds,
            "queue_current": listener.queueCurrent, "queue_max": listener.queueMax,
            "sessions_current": listener.sessionsCurrent, "sessions_max": listener.sessionsMax,
            "sessions_limit": listener.sessionsLimit, "sessions_total": listener.sessionsTotal,
            "bytes_in": listener.bytesIn, "bytes_out": listener.bytesOut, "queue_timeouts": listener.queueTimeouts,
            "per_source_refusals": listener.perSourceRefusals,
            "eligible_servers": listener.eligibleServers,
        ]
    }

    private static func server(_ server: ServerStats) -> [String: Any] {
        [
            "listener": server.listener, "name": server.name, "address": server.address, "status": server.status,
            "admin_state": server.adminState.rawValue, "weight": server.weight,
            "configured_weight": server.configuredWeight, "backup": server.backup, "eligible": server.eligible,
            "sessions_current": server.sessionsCurrent, "sessions_max": server.sessionsMax,
            "sessions_limit": server.sessionsLimit, "sessions_total": server.sessionsTotal,
            "bytes_in": server.bytesIn, "bytes_out": server.bytesOut, "connect_failures": server.connectFailures,
            "check_failures": server.checkFailures, "check_downs": server.checkDowns,
            "check_inconclusive": server.checkInconclusive,
            "last_change_seconds": nullable(server.lastChangeSeconds), "downtime_seconds": server.downtimeSeconds,
            "check_type": server.checkType, "check_status": server.checkStatus,
            "check_error": nullable(server.checkError),
            "check_duration_ms": nullable(server.checkDurationMilliseconds), "role": server.role,
            "timeline": nullable(server.timeline), "lag_bytes": nullable(server.lagBytes),
            "replay_delay_ms": nullable(server.replayDelayMilliseconds), "streaming": nullable(server.streaming),
            "diverged": server.diverged, "patroni": nullable(server.patroni.map(patroni)),
        ]
    }

    private static func patroni(_ facts: PatroniFacts) -> [String: Any] {
        [
            "tags": facts.tags, "sync_standby": facts.synchronous, "standby_leader": facts.standbyLeader,
            "nofailover": facts.noFailover, "nosync": facts.noSync, "noloadbalance": facts.noLoadBalance,
            "paused": nullable(facts.paused),
        ]
    }

    private static func vrrp(_ instance: VRRPInstanceStats) -> [String: Any] {
        [
            "name": instance.name, "interface": instance.interface, "vrid": instance.virtualRouterID,
            "state": instance.state, "priority": instance.priority,
            "effective_priority": instance.effectivePriority, "priority_reasons": instance.priorityReasons,
            "master_address": nullable(instance.masterAddress),
            "seconds_since_transition": nullable(instance.secondsSinceTransition),
            "virtual_addresses": instance.virtualAddresses,
        ]
    }

    private static func dcs(_ dcs: DCSStats) -> [String: Any] {
        [
            "type": dcs.type, "state": dcs.state, "endpoint": dcs.endpoint, "revision": Int(dcs.revision),
            "leader": nullable(dcs.leader), "leader_server": nullable(dcs.leaderServer), "writes": dcs.writes,
            "last_event_age_seconds": nullable(dcs.lastEventAgeSeconds),
            "lost_for_seconds": nullable(dcs.lostForSeconds), "on_dcs_loss": dcs.onLoss, "events": dcs.events,
            "reconnects": dcs.reconnects, "resyncs": dcs.resyncs, "stale_watches": dcs.staleWatches,
            "disagreements": dcs.disagreements,
            "members": dcs.members.map { member -> [String: Any] in
                ["name": member.name, "server": nullable(member.server), "role": member.role, "state": member.state]
            },
        ]
    }

    private static func nullable(_ value: Any?) -> Any {
        value ?? NSNull()
    }
}
