import ConfigModel
import HealthCore
import Logging
import NIOCore
import NIOPosix
import XCTest

@testable import HealthIO

/// TCP, pg-hello and agent probes against loopback servers.
final class NetworkProbeTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var servers: [FakeServer] = []

    override func setUp() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    override func tearDown() {
        for server in servers { try? server.stop() }
        servers = []
        try? group.syncShutdownGracefully()
    }

    private func server(expecting: Int = 0, reply: String) throws -> FakeServer {
        try server(expecting: expecting, reply: Array(reply.utf8))
    }

    private func server(expecting: Int = 0, reply: [UInt8]) throws -> FakeServer {
        let server = try FakeServer(group: group, expecting: expecting, reply: reply)
        servers.append(server)
        return server
    }

    /// A port nothing listens on: one a server just released.
    private func closedPort() throws -> Int {
        let server = try FakeServer(group: group, expecting: 0, reply: [])
        let port = server.port
        try server.stop()
        return port
    }

    private var loop: EventLoop { group.next() }

    private func target(_ port: Int, timeout: Duration = .seconds(2)) -> ProbeTarget {
        ProbeTarget(host: "127.0.0.1", port: port, timeout: timeout, eventLoop: loop)
    }

    func testTCPProbeReachesAListeningSocket() throws {
        let server = try server(reply: "")
        let outcome = try TCPProbe(target(server.port))
            .check().wait()
        XCTAssertTrue(outcome.reachable, outcome.error ?? "")
        XCTAssertEqual(outcome.role, .unknown)
        XCTAssertGreaterThan(outcome.duration, .zero)
    }

    func testTCPProbeReportsARefusedConnection() throws {
        let port = try closedPort()
        let outcome = try TCPProbe(target(port))
            .check().wait()
        XCTAssertFalse(outcome.reachable)
        XCTAssertEqual(outcome.error, "connect to 127.0.0.1:\(port) failed: Connection refused")
    }

    func testPGHelloAcceptsN() throws {
        let server = try server(expecting: 8, reply: "N")
        let outcome = try PGHelloProbe(target(server.port))
            .check().wait()
        XCTAssertEqual(outcome.reachable, true, outcome.error ?? "")
        XCTAssertEqual(server.receivedBytes, [0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x2F])
    }

    func testPGHelloRejectsGarbage() throws {
        let server = try server(expecting: 8, reply: "HTTP/1.1 400 Bad Request\r\n\r\n")
        let outcome = try PGHelloProbe(target(server.port))
            .check().wait()
        XCTAssertEqual(outcome, .failed("not a PostgreSQL answer to SSLRequest: 0x48", duration: outcome.duration))
    }

    func testPGHelloTimesOutOnASilentServer() throws {
        let server = try server(expecting: 1000, reply: "")
        let started = NIODeadline.now()
        let outcome = try PGHelloProbe(target(server.port, timeout: .milliseconds(200))).check().wait()
        XCTAssertEqual(outcome.error, "timed out after 200ms")
        XCTAssertLessThan(NIODeadline.now() - started, .seconds(1))
    }

    func testPGHelloAnswersClosedWithoutAByte() throws {
        XCTAssertEqual(PGHelloProbe.outcome(reply: Array("S".utf8)), CheckOutcome(reachable: true))
        XCTAssertEqual(
            PGHelloProbe.outcome(reply: []), .failed("connection closed without an answer to SSLRequest"))
    }

    func testAgentDrain() throws {
        let server = try server(reply: "drain\n")
        let outcome = try AgentProbe(target(server.port))
            .check().wait()
        XCTAssertEqual(outcome.reachable, true, outcome.error ?? "")
        XCTAssertEqual(outcome.agent, .drain)
    }

    func testAgentUpWithWeight() throws {
        let server = try server(reply: "up 75%\n")
        let outcome = try AgentProbe(target(server.port))
            .check().wait()
        XCTAssertEqual(outcome.reachable, true, outcome.error ?? "")
        XCTAssertEqual(outcome.agent, .weightPercent(75))
    }

    func testAgentThatClosesWithoutANewline() throws {
        let server = try server(reply: "maint")
        let outcome = try AgentProbe(target(server.port))
            .check().wait()
        XCTAssertEqual(outcome.agent, .maintenance)
    }

    func testAgentEmptyAnswerFails() throws {
        let server = try server(reply: "")
        let outcome = try AgentProbe(target(server.port))
            .check().wait()
        XCTAssertEqual(outcome.error, "agent sent an empty answer")
    }

    func testFactoryUsesTheCheckPort() throws {
        let agent = try server(reply: "up\n")
        var settings = CheckSettings(type: .agent, port: agent.port)
        let server = ServerConfig(name: "db1", address: .init(host: "127.0.0.1", port: try closedPort()))
        settings = settings.forServer(server)
        let probe = HealthProbes.make(
            server: server, settings: settings, eventLoop: loop, httpClient: nil, logger: Logger(label: "test"))
        XCTAssertEqual(try probe.check().wait().agent, .ready)
        try probe.shutdown().wait()
    }
}
