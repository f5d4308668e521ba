import AdminCore
@testable import AdminIO
import Prometheus
import XCTest

final class MetricsExporterTests: XCTestCase {
    private func snapshot(sessions: Int, bytes: UInt64) -> StatsSnapshot {
        StatsSnapshot(
            process: ProcessStats(
                version: "1", pid: 1, node: "n", uptimeSeconds: 5, totalSessions: sessions,
                badStartups: ["lengthTooLarge": 1]),
            listeners: [ListenerStats(name: "rw", role: "primary", balance: "first", binds: [],
                                      sessionsTotal: sessions, bytesIn: bytes)],
            servers: [ServerStats(listener: "rw", name: "p", address: "a", status: "UP", role: "primary",
                                  lagBytes: 7)])
    }

    func testTotalsBecomeCountersThatGrowByTheDifference() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        _ = exporter.render(snapshot(sessions: 3, bytes: 10))
        let text = exporter.render(snapshot(sessions: 5, bytes: 10))
        XCTAssertTrue(text.contains("# TYPE pgfloat_listener_sessions_total counter"))
        XCTAssertTrue(text.contains(#"pgfloat_listener_sessions_total{listener="rw"} 5"#), text)
        XCTAssertTrue(text.contains(#"pgfloat_bad_startups_total{reason="lengthTooLarge"} 1"#))
        XCTAssertTrue(text.contains(#"pgfloat_server_role{server="p",role="primary"} 1"#))
        XCTAssertTrue(text.contains(#"pgfloat_server_role{server="p",role="replica"} 0"#))
        XCTAssertTrue(text.contains(#"pgfloat_server_lag_bytes{server="p"} 7"#))
    }

    func testATotalThatWentDownIsTakenAsAResetNotANegativeIncrement() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        _ = exporter.render(snapshot(sessions: 8, bytes: 0))
        _ = exporter.render(snapshot(sessions: 2, bytes: 0))
        let text = exporter.render(snapshot(sessions: 3, bytes: 0))
        XCTAssertTrue(text.contains(#"pgfloat_listener_sessions_total{listener="rw"} 9"#), text)
    }
}
