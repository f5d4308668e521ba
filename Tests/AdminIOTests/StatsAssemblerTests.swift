@testable import AdminIO
import AdminCore
import ConfigModel
import HealthCore
@testable import HealthIO
import MonotonicTime
@testable import ProxyIO
import XCTest

final class StatsAssemblerTests: XCTestCase {
    private let config = PGFloatConfig(
        path: "t.toml",
        servers: [
            ServerConfig(name: "p", address: Endpoint(host: "10.0.0.1", port: 5432)),
            ServerConfig(name: "r", address: Endpoint(host: "10.0.0.2", port: 5432), weight: 50, backup: true),
        ],
        listeners: [ListenerConfig(name: "rw", binds: [], role: .primary, servers: ["p", "r"])])

    private func at(_ seconds: UInt64) -> MonotonicInstant { MonotonicInstant(nanoseconds: seconds * 1_000_000_000) }

    private func traffic() -> DataPlaneSnapshot {
        let counted = DataPlaneSnapshot.Traffic(current: 2, max: 5, total: 9, bytesIn: 100, bytesOut: 2000)
        return DataPlaneSnapshot(
            listeners: [
                .init(name: "rw", traffic: counted, queueCurrent: 1, queueMax: 4, queueTimeouts: 3, perSourceRefusals: 0,
                      servers: [
                    .init(name: "p", address: "10.0.0.1:5432", traffic: counted, connectFailures: 7)
                ])
            ],
            sessions: [], currentSessions: 3, acceptedSessions: 12, queued: 1, maxconn: 100,
            badStartups: ["lengthTooLarge": 2], cancelsForwarded: ["owner": 1, "broadcast": 0],
            cancelsDropped: ["rate-limited": 0], directTLSSessions: 5, acceptErrors: 0, localErrors: [:],
            // Every relay figure off its default, to prove each is copied; the data plane never reports a
            // fallback reason beside sockmap.
            relay: "sockmap", relayFallbackReason: "sockmap program: Operation not permitted", kernelSessions: 4,
            kernelHandoffs: 8, kernelFallbacks: 2, kernelTakeovers: 3, kernelRedirectedBytes: 7)
    }

    func testRowsJoinTrafficHealthAndAdministration() {
        var view = ClusterView(servers: config.servers, check: config.check)
        view.record(server: "p", outcome: CheckOutcome(reachable: true, role: .primary, timeline: 3), at: at(10))
        view.record(server: "r", outcome: .failed("connection refused"), at: at(10))
        view.setAdminState(.drain, of: "r", in: "rw")
        let routing = view.routing(for: config.listeners, at: at(12))
        let report = HealthReport(
            view: view, routing: routing, splitBrainEvents: 4, storeDisagreements: 0, takenAt: at(40))
        let snapshot = StatsAssembler.snapshot(
            config: config, traffic: traffic(), health: report,
            process: .init(version: "1.0", pid: 42, node: "proxy1", uptime: .seconds(61), logLinesDropped: 6))

        XCTAssertEqual(snapshot.process.primary, "p")
        XCTAssertEqual(snapshot.process.logLinesDropped, 6)
        XCTAssertEqual(snapshot.process.splitBrainEvents, 4)
        XCTAssertEqual(snapshot.process.badStartups, ["lengthTooLarge": 2])
        XCTAssertEqual(snapshot.process.cancelsForwarded, ["owner": 1, "broadcast": 0])
        XCTAssertEqual(snapshot.process.cancelsDropped, ["rate-limited": 0])
        XCTAssertEqual(snapshot.process.directTLSSessions, 5)
        XCTAssertEqual(snapshot.process.relay, "sockmap")
        XCTAssertEqual(snapshot.process.relayFallbackReason, "sockmap program: Operation not permitted")
        XCTAssertEqual(snapshot.process.kernelSessions, 4)
        XCTAssertEqual(snapshot.process.kernelHandoffs, 8)
        XCTAssertEqual(snapshot.process.kernelFallbacks, 2)
        XCTAssertEqual(snapshot.process.kernelTakeovers, 3)
        XCTAssertEqual(snapshot.process.kernelRedirectedBytes, 7)
        XCTAssertEqual(snapshot.listeners.first?.queueMax, 4)
        XCTAssertEqual(snapshot.listeners.first?.eligibleServers, 1)
        let primary = snapshot.servers[0]
        XCTAssertEqual(primary.status, "UP")
        XCTAssertEqual(primary.checkStatus, "L7OK")
        XCTAssertEqual(primary.role, "primary")
        XCTAssertEqual(primary.timeline, 3)
        XCTAssertEqual(primary.weight, 100)
        XCTAssertEqual(primary.connectFailures, 7)
        XCTAssertEqual(primary.lastChangeSeconds, 30)
        let replica = snapshot.servers[1]
        XCTAssertEqual(replica.status, "DRAIN", "the operator's state shows before reachability")
        XCTAssertEqual(replica.adminState, .drain)
        XCTAssertEqual(replica.checkStatus, "L4CON")
        XCTAssertEqual(replica.checkError, "connection refused")
        XCTAssertEqual(replica.downtimeSeconds, 30)
        XCTAssertEqual(replica.configuredWeight, 50)
        XCTAssertFalse(replica.eligible)
        XCTAssertTrue(replica.backup)
        XCTAssertEqual(replica.sessionsTotal, 0, "no traffic row: zeros, not a crash")
    }

    func testStatusWordsFollowHAProxy() {
        var health = ServerHealth(name: "s", rise: 1, fall: 1)
        XCTAssertEqual(StatsAssembler.status(health, .ready, paused: false), "no check")
        health.record(CheckOutcome(reachable: true), at: at(1))
        XCTAssertEqual(StatsAssembler.status(health, .ready, paused: false), "UP")
        XCTAssertEqual(StatsAssembler.status(health, .ready, paused: true), "MAINT")
        health.record(CheckOutcome(reachable: true, agent: .drain), at: at(2))
        XCTAssertEqual(StatsAssembler.status(health, .ready, paused: false), "DRAIN")
        health.record(.failed("timed out"), at: at(3))
        XCTAssertEqual(StatsAssembler.checkStatus(health.lastOutcome), "L4TOUT")
    }
}
