import AdminCore
import Foundation
import HealthCore
import Metrics
import Prometheus

/// Renders `/metrics`: the snapshot's figures as Prometheus gauges and counters, next to the histograms the
/// data plane and the checks record through swift-metrics into the same registry.
///
/// The daemon's counters are totals kept by their owners (the data plane's thread, the checker's loop); a
/// Prometheus counter only goes up by increments, so each scrape adds what a total grew by since the last one.
/// Scrapes are serialised by a lock, as two at once would add the same growth twice.
public final class MetricsExporter: @unchecked Sendable {
    public let registry: PrometheusCollectorRegistry
    private let lock = NSLock()
    private var lastTotals: [String: Double] = [:]
    /// The `relay` label `pgfloat_relay_info` carries now, so a change removes the old series.
    private var lastRelay: String?

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// Updates every metric from `snapshot` and returns the exposition text.
    public func render(_ snapshot: StatsSnapshot) -> String {
        lock.lock()
        defer { lock.unlock() }
        export(snapshot)
        return registry.emitToString()
    }

    private func export(_ snapshot: StatsSnapshot) {
        let process = snapshot.process
        gauge(.uptimeSeconds, [], Double(process.uptimeSeconds))
        gauge(.sessions, [], Double(process.currentSessions))
        total(.sessionsTotal, [], process.totalSessions)
        for (target, count) in process.cancelsForwarded {
            total(.cancelsForwardedTotal, [("target", target)], count)
        }
        for (reason, count) in process.cancelsDropped {
            total(.cancelsDroppedTotal, [("reason", reason)], count)
        }
        total(.directTLSSessionsTotal, [], process.directTLSSessions)
        exportRelay(process.relay)
        gauge(.kernelSessions, [], Double(process.kernelSessions))
        total(.kernelHandoffsTotal, [], process.kernelHandoffs)
        total(.kernelFallbacksTotal, [], process.kernelFallbacks)
        total(.kernelTakeoversTotal, [], process.kernelTakeovers)
        total(.kernelRedirectedBytesTotal, [], process.kernelRedirectedBytes)
        total(.acceptErrorsTotal, [], process.acceptErrors)
        for (label, count) in process.localErrors {
            let parts = label.split(separator: ":", maxSplits: 1).map(String.init)
            total(.localErrorsTotal, [("call", parts[0]), ("error", parts.count > 1 ? parts[1] : "")], count)
        }
        for (reason, count) in process.badStartups {
            total(.badStartupsTotal, [("reason", reason)], count)
        }
        gauge(.splitBrain, [], process.splitBrain ? 1 : 0)
        total(.splitBrainEventsTotal, [], process.splitBrainEvents)
        if let newest = process.newestTimeline {
            gauge(.newestTimeline, [], Double(newest))
        } else {
            // After `clear timeline` no value is known: the series goes rather than showing the forgotten one.
            registry.unregisterGauge(registry.makeGauge(descriptor: .newestTimeline, labels: []))
        }
        total(.timelineWriteFailuresTotal, [], process.timelineWriteFailures)
        gauge(.primaryClaimants, [], Double(process.primaryClaimants.count))
        if let paused = process.patroniPaused { gauge(.patroniPaused, [], paused ? 1 : 0) }
        total(.logLinesDroppedTotal, [], process.logLinesDropped)
        total(.reloadFailuresTotal, [], process.reloadFailures)
        for listener in snapshot.listeners { export(listener) }
        var seen: Set<String> = []
        for server in snapshot.servers {
            export(pairOf: server)
            if seen.insert(server.name).inserted { export(server) }
        }
        for instance in snapshot.vrrp { export(instance) }
        if let dcs = snapshot.dcs { export(dcs) }
    }

    /// An info metric: one series, valued 1, whose label names the relay. Should the relay change, the old
    /// series goes rather than staying at 1 beside the new one.
    private func exportRelay(_ relay: String) {
        if let last = lastRelay, last != relay {
            registry.unregisterGauge(registry.makeGauge(descriptor: .relayInfo, labels: [("relay", last)]))
        }
        gauge(.relayInfo, [("relay", relay)], 1)
        lastRelay = relay
    }

    private func export(_ listener: ListenerStats) {
        let labels = [("listener", listener.name)]
        gauge(.listenerSessions, labels, Double(listener.sessionsCurrent))
        total(.listenerSessionsTotal, labels, listener.sessionsTotal)
        gauge(.listenerQueue, labels, Double(listener.queueCurrent))
        gauge(.listenerQueueMax, labels, Double(listener.queueMax))
        total(.listenerQueueTimeoutsTotal, labels, listener.queueTimeouts)
        total(.listenerPerSourceRefusalsTotal, labels, listener.perSourceRefusals)
        total(.listenerBytesInTotal, labels, listener.bytesIn)
        total(.listenerBytesOutTotal, labels, listener.bytesOut)
        gauge(.listenerEligibleServers, labels, Double(listener.eligibleServers))
    }

    /// Figures of a server within one listener.
    private func export(pairOf server: ServerStats) {
        let labels = [("listener", server.listener), ("server", server.name)]
        gauge(.serverSessions, labels, Double(server.sessionsCurrent))
        total(.serverSessionsTotal, labels, server.sessionsTotal)
        total(.serverBytesInTotal, labels, server.bytesIn)
        total(.serverBytesOutTotal, labels, server.bytesOut)
        gauge(.serverEligible, labels, server.eligible ? 1 : 0)
        gauge(.serverWeight, labels, Double(server.weight))
        gauge(.serverAdminState, labels + [("state", server.adminState.rawValue)], 1)
        for state in ServerAdministration.State.allCases where state != server.adminState {
            gauge(.serverAdminState, labels + [("state", state.rawValue)], 0)
        }
    }

    /// Figures of a server whatever the listener: its health, role and lag.
    private func export(_ server: ServerStats) {
        let labels = [("server", server.name)]
        gauge(.serverUp, labels, server.status == "DOWN" || server.status == "no check" ? 0 : 1)
        for role in ["primary", "replica", "unknown"] {
            gauge(.serverRole, labels + [("role", role)], role == server.role ? 1 : 0)
        }
        if let lag = server.lagBytes { gauge(.serverLagBytes, labels, Double(lag)) }
        if let delay = server.replayDelayMilliseconds {
            gauge(.serverReplayDelaySeconds, labels, Double(delay) / 1_000)
        }
        gauge(.serverDiverged, labels, server.diverged ? 1 : 0)
        if let timeline = server.timeline {
            gauge(.serverTimeline, labels, Double(timeline))
        }
        total(.checkFailuresTotal, labels, server.checkFailures)
        total(.checkInconclusiveTotal, labels, server.checkInconclusive)
        total(.serverDownTransitionsTotal, labels, server.checkDowns)
        total(.serverConnectFailuresTotal, labels, server.connectFailures)
        gauge(.serverDowntimeSeconds, labels, Double(server.downtimeSeconds))
    }

    private func export(_ instance: VRRPInstanceStats) {
        let labels = [("instance", instance.name)]
        for state in ["INIT", "BACKUP", "MASTER", "FAULT"] {
            gauge(.vrrpState, labels + [("state", state)], state == instance.state ? 1 : 0)
        }
        gauge(.vrrpPriority, labels, Double(instance.effectivePriority))
        total(.vrrpTransitionsTotal, labels, instance.transitions)
        total(.vrrpAdvertsSentTotal, labels, instance.advertsSent)
        total(.vrrpAdvertsReceivedTotal, labels, instance.advertsReceived)
        for (reason, count) in instance.discards {
            total(.vrrpDiscardedTotal, labels + [("reason", reason)], count)
        }
        total(.vrrpVIPsRestoredTotal, labels, instance.vipsRestored)
        total(.vrrpAddressListMismatchAcceptedTotal, labels, instance.addressListMismatchesAccepted)
        total(.vrrpGratuitousDroppedTotal, labels, instance.gratuitousFramesDropped)
    }

    private func export(_ dcs: DCSStats) {
        gauge(.dcsConnected, [], dcs.state == "connected" ? 1 : 0)
        gauge(.dcsRevision, [], Double(dcs.revision))
        gauge(.dcsWritesFenced, [], dcs.writes == "fenced" ? 1 : 0)
        if let age = dcs.lastEventAgeSeconds { gauge(.dcsLastEventAgeSeconds, [], age) }
        // One series per member, 1 on the leader, so a leader change moves the 1 rather than leaving a stale series.
        for member in dcs.members {
            let labels = [("member", member.name), ("server", member.server ?? "")]
            gauge(.dcsLeader, labels, member.name == dcs.leader ? 1 : 0)
        }
        total(.dcsEventsTotal, [], dcs.events)
        total(.dcsReconnectsTotal, [], dcs.reconnects)
        total(.dcsResyncsTotal, [], dcs.resyncs)
        total(.dcsStaleWatchesTotal, [], dcs.staleWatches)
        total(.dcsDisagreementsTotal, [], dcs.disagreements)
    }

    private func gauge(_ metric: MetricNameDescriptor, _ labels: [(String, String)], _ value: Double) {
        registry.makeGauge(descriptor: metric, labels: labels).set(value)
    }

    private func total<Value: BinaryInteger>(
        _ metric: MetricNameDescriptor, _ labels: [(String, String)], _ value: Value
    ) {
        let key = metric.name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let now = Double(value)
        let counter = registry.makeCounter(descriptor: metric, labels: labels)
        let last = lastTotals[key] ?? 0
        // A total that went down was reset (a server removed and added back by reloads): start again from it.
        if now > last { counter.increment(by: now - last) }
        lastTotals[key] = now
    }
}

extension MetricsExporter {
    /// Makes swift-metrics record into a new Prometheus registry and returns the exporter reading it. Call once
    /// per process, before anything records; tests build exporters on their own registries instead.
    public static func bootstrapMetricsSystem() -> MetricsExporter {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Queue waits span failovers (up to timeout_queue); checks take milliseconds to their timeout.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5),
            .seconds(10), .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
        return MetricsExporter(registry: registry)
    }
}
