import AdminCore
@testable import AdminIO
import Prometheus
import XCTest

final class MetricsExporterTests: XCTestCase {
    private func snapshot(sessions: Int, bytes: UInt64) -> StatsSnapshot {
        StatsSnapshot(
            process: ProcessStats(
                version: "1", pid: 1, node: "n", uptimeSeconds: 5, totalSessions: sessions,
                badStartups: ["lengthTooLarge": 1], cancelsForwarded: ["owner": 3, "broadcast": 2],
                cancelsDropped: ["rate-limited": 4, "connect-timeout": 0], directTLSSessions: 2, localErrors: ["socket:EMFILE": 3]),
            listeners: [ListenerStats(name: "rw", role: "primary", balance: "first", binds: [],
                                      sessionsTotal: sessions, bytesIn: bytes)],
            servers: [ServerStats(listener: "rw", name: "p", address: "a", status: "UP", role: "primary",
                                  lagBytes: 7),
                      ServerStats(listener: "ro", name: "r", address: "b", status: "UP", role: "replica",
                                  lagBytes: 0, replayDelayMilliseconds: 2_500, streaming: false, diverged: true)])
    }

    func testTotalsBecomeCountersThatGrowByTheDifference() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        _ = exporter.render(snapshot(sessions: 3, bytes: 10))
        let text = exporter.render(snapshot(sessions: 5, bytes: 10))
        XCTAssertTrue(text.contains("# TYPE pgfloat_listener_sessions_total counter"))
        XCTAssertTrue(text.contains(#"pgfloat_listener_sessions_total{listener="rw"} 5"#), text)
        XCTAssertTrue(text.contains(#"pgfloat_bad_startups_total{reason="lengthTooLarge"} 1"#))
        XCTAssertTrue(text.contains(#"pgfloat_cancels_forwarded_total{target="owner"} 3"#), text)
        XCTAssertTrue(text.contains(#"pgfloat_cancels_forwarded_total{target="broadcast"} 2"#))
        XCTAssertTrue(text.contains(#"pgfloat_cancels_dropped_total{reason="rate-limited"} 4"#))
        XCTAssertTrue(text.contains(#"pgfloat_cancels_dropped_total{reason="connect-timeout"} 0"#))
        XCTAssertTrue(text.contains("pgfloat_direct_tls_sessions_total 2"), text)
        XCTAssertTrue(text.contains(#"pgfloat_local_errors_total{call="socket",error="EMFILE"} 3"#), text)
        XCTAssertTrue(text.contains(#"pgfloat_server_role{server="p",role="primary"} 1"#))
        XCTAssertTrue(text.contains(#"pgfloat_server_role{server="p",role="replica"} 0"#))
        XCTAssertTrue(text.contains(#"pgfloat_server_lag_bytes{server="p"} 7"#))
        XCTAssertTrue(text.contains(#"pgfloat_server_replay_delay_seconds{server="r"} 2.5"#), text)
        XCTAssertTrue(text.contains(#"pgfloat_server_diverged{server="r"} 1"#), text)
        XCTAssertTrue(text.contains(#"pgfloat_server_diverged{server="p"} 0"#), text)
        XCTAssertFalse(text.contains(#"pgfloat_server_replay_delay_seconds{server="p"}"#), "unknown: no sample")
    }

    func testTheRelayIsAnInfoMetricAndTheKernelFiguresGaugesAndCounters() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        var taken = snapshot(sessions: 1, bytes: 1)
        let defaults = exporter.render(taken)
        XCTAssertTrue(defaults.contains("# TYPE pgfloat_relay_info gauge"), defaults)
        XCTAssertTrue(defaults.contains(#"pgfloat_relay_info{relay="epoll"} 1"#), defaults)
        XCTAssertTrue(defaults.contains("pgfloat_kernel_sessions_current 0"), defaults)
        taken.process.relay = "sockmap"
        taken.process.kernelSessions = 3
        taken.process.kernelHandoffs = 10
        taken.process.kernelFallbacks = 2
        taken.process.kernelTakeovers = 4
        taken.process.kernelRedirectedBytes = 1234
        _ = exporter.render(taken)
        taken.process.kernelSessions = 1
        taken.process.kernelHandoffs = 12
        let text = exporter.render(taken)
        XCTAssertTrue(text.contains(#"pgfloat_relay_info{relay="sockmap"} 1"#), text)
        XCTAssertFalse(text.contains(#"relay="epoll""#), "the old relay's series goes: " + text)
        XCTAssertTrue(text.contains("# TYPE pgfloat_kernel_sessions_current gauge"), text)
        XCTAssertTrue(text.contains("pgfloat_kernel_sessions_current 1"), text)
        XCTAssertTrue(text.contains("# TYPE pgfloat_kernel_handoffs_total counter"), text)
        XCTAssertTrue(text.contains("pgfloat_kernel_handoffs_total 12"), text)
        XCTAssertTrue(text.contains("# TYPE pgfloat_kernel_fallbacks_total counter"), text)
        XCTAssertTrue(text.contains("pgfloat_kernel_fallbacks_total 2"), text)
        XCTAssertTrue(text.contains("# TYPE pgfloat_kernel_takeovers_total counter"), text)
        XCTAssertTrue(text.contains("pgfloat_kernel_takeovers_total 4"), text)
        XCTAssertTrue(text.contains("pgfloat_kernel_redirected_bytes_total 1234"), text)
    }

    func testTheNewestTimelineAndTheClaimantsAreGauges() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        var taken = snapshot(sessions: 1, bytes: 1)
        taken.process.newestTimeline = 4
        taken.process.primaryClaimants = ["p", "q"]
        let text = exporter.render(taken)
        XCTAssertTrue(text.contains("pgfloat_newest_timeline 4"), text)
        XCTAssertTrue(text.contains("pgfloat_primary_claimants 2"), text)
        XCTAssertFalse(text.contains("pgfloat_patroni_paused"), "no check asks Patroni: no sample")
        taken.process.patroniPaused = true
        XCTAssertTrue(exporter.render(taken).contains("pgfloat_patroni_paused 1"))
    }

    /// After `clear timeline` the gauge must not keep showing the forgotten timeline.
    func testTheNewestTimelineGaugeGoesAfterTheTimelineWasCleared() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        var taken = snapshot(sessions: 1, bytes: 1)
        taken.process.newestTimeline = 4
        XCTAssertTrue(exporter.render(taken).contains("pgfloat_newest_timeline 4"))
        taken.process.newestTimeline = nil
        let cleared = exporter.render(taken)
        XCTAssertFalse(cleared.contains("pgfloat_newest_timeline "), cleared)
        taken.process.newestTimeline = 2
        XCTAssertTrue(exporter.render(taken).contains("pgfloat_newest_timeline 2"))
    }

    func testFailedTimelineWritesAreACounter() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        var taken = snapshot(sessions: 1, bytes: 1)
        taken.process.timelineWriteFailures = 3
        let text = exporter.render(taken)
        XCTAssertTrue(text.contains("pgfloat_timeline_write_failures_total 3"), text)
    }

    func testDroppedLogLinesAreACounter() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        var snapshot = snapshot(sessions: 0, bytes: 0)
        snapshot.process.logLinesDropped = 4
        _ = exporter.render(snapshot)
        snapshot.process.logLinesDropped = 10
        let text = exporter.render(snapshot)
        XCTAssertTrue(text.contains("# TYPE pgfloat_log_lines_dropped_total counter"), text)
        XCTAssertTrue(text.contains("pgfloat_log_lines_dropped_total 10"), text)
    }

    func testFailedReloadsAreACounter() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        var snapshot = snapshot(sessions: 0, bytes: 0)
        snapshot.process.reloadFailures = 1
        _ = exporter.render(snapshot)
        snapshot.process.reloadFailures = 3
        let text = exporter.render(snapshot)
        XCTAssertTrue(text.contains("# TYPE pgfloat_reload_failures_total counter"), text)
        XCTAssertTrue(text.contains("pgfloat_reload_failures_total 3"), text)
    }

    func testStoreMetricsMoveTheLeaderSeries() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        var snapshot = snapshot(sessions: 0, bytes: 0)
        let members = [
            DCSMemberStats(name: "node1", server: "p", role: "primary", state: "running"),
            DCSMemberStats(name: "node2", server: nil, role: "replica", state: "running"),
        ]
        snapshot.dcs = DCSStats(
            type: "etcd3", state: "connected", revision: 9, leader: "node1", leaderServer: "p", writes: "leader",
            onLoss: "fence", resyncs: 1, staleWatches: 3, disagreements: 2, members: members)
        _ = exporter.render(snapshot)
        snapshot.dcs?.leader = "node2"
        snapshot.dcs?.writes = "fenced"
        snapshot.dcs?.state = "lost"
        let text = exporter.render(snapshot)
        XCTAssertTrue(text.contains(#"pgfloat_dcs_leader{member="node1",server="p"} 0"#), text)
        XCTAssertTrue(text.contains(#"pgfloat_dcs_leader{member="node2",server=""} 1"#), text)
        XCTAssertTrue(text.contains("pgfloat_dcs_connected 0"), text)
        XCTAssertTrue(text.contains("pgfloat_dcs_writes_fenced 1"), text)
        XCTAssertTrue(text.contains("pgfloat_dcs_revision 9"), text)
        XCTAssertTrue(text.contains("pgfloat_dcs_resyncs_total 1"), text)
        XCTAssertTrue(text.contains("pgfloat_dcs_stale_watches_total 3"), text)
        XCTAssertTrue(text.contains("pgfloat_dcs_disagreements_total 2"), text)
    }

    func testATotalThatWentDownIsTakenAsAResetNotANegativeIncrement() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        _ = exporter.render(snapshot(sessions: 8, bytes: 0))
        _ = exporter.render(snapshot(sessions: 2, bytes: 0))
        let text = exporter.render(snapshot(sessions: 3, bytes: 0))
        XCTAssertTrue(text.contains(#"pgfloat_listener_sessions_total{listener="rw"} 9"#), text)
    }
}
