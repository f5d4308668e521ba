import AsyncHTTPClient
import ConfigModel
import Foundation
import HealthCore
import Logging
import NIOCore
import NIOPosix
import XCTest

@testable import HealthIO

/// The patroni probe against a loopback stand-in for Patroni's REST API.
final class PatroniProbeTests: XCTestCase {
    private var group: MultiThreadedEventLoopGroup!
    private var client: HTTPClient!
    private var servers: [FakePatroni] = []
    private var folder: String!

    override func setUpWithError() throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        client = HTTPClient(eventLoopGroupProvider: .shared(group))
        folder = NSTemporaryDirectory() + "pgfloat-patroni-\(UUID())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try client.syncShutdown()
        for server in servers { try server.stop() }
        try? FileManager.default.removeItem(atPath: folder)
        try group.syncShutdownGracefully()
    }

    private func patroni(_ body: String, silent: Bool = false) throws -> FakePatroni {
        let server = try FakePatroni(group: group, body: body, silent: silent)
        servers.append(server)
        return server
    }

    private func probe(port: Int, authFile: String? = nil, timeout: Duration = .seconds(2)) -> HealthProbe {
        let server = ServerConfig(name: "node1", address: .init(host: "127.0.0.1", port: 5432))
        let settings = CheckSettings(type: .patroni, timeout: timeout, port: port, authFile: authFile)
        return HealthProbes.make(
            server: server, settings: settings.forServer(server), eventLoop: group.next(), httpClient: client,
            logger: Logger(label: "test"))
    }

    func testReplicaAnswerWithBasicAuthOverOneConnection() throws {
        let server = try patroni(PatroniFixtures.replica3)
        let authFile = folder + "/auth"
        try "pgfloat:s3cret\n".write(toFile: authFile, atomically: true, encoding: .utf8)
        let probe = probe(port: server.port, authFile: authFile)
        let first = try probe.check().wait()
        XCTAssertEqual(
            first,
            CheckOutcome(
                reachable: true, role: .replica, timeline: 3, walPosition: 100_662_784, receivedPosition: 100_663_296,
                streaming: true, patroni: PatroniFacts(paused: false), duration: first.duration))
        XCTAssertTrue(try probe.check().wait().reachable)
        XCTAssertEqual(server.authorizations, Array(repeating: "Basic cGdmbG9hdDpzM2NyZXQ=", count: 2))
        XCTAssertEqual(server.connections, 1, "the shared client keeps the connection alive")
        try probe.shutdown().wait()
    }

    func testSilentAPITimesOut() throws {
        let server = try patroni("", silent: true)
        let started = NIODeadline.now()
        let outcome = try probe(port: server.port, timeout: .milliseconds(300)).check().wait()
        XCTAssertEqual(outcome.error, "timed out after 300ms")
        XCTAssertLessThan(NIODeadline.now() - started, .seconds(1))
    }

    func testUnreadableAuthFileNamesTheFileOnly() throws {
        let server = try patroni(PatroniFixtures.primary3)
        let outcome = try probe(port: server.port, authFile: folder + "/missing").check().wait()
        XCTAssertEqual(outcome.error, "cannot read auth_file \(folder!)/missing")
        XCTAssertEqual(server.authorizations, [], "no request without credentials")
    }

    func testProbeWithoutASharedClientMakesAndShutsDownItsOwn() throws {
        let server = try patroni(PatroniFixtures.primary4)
        let probe = PatroniProbe(
            host: "127.0.0.1", port: server.port, settings: CheckSettings(type: .patroni), eventLoop: group.next(),
            httpClient: nil, logger: Logger(label: "test"))
        XCTAssertEqual(try probe.check().wait().role, .primary)
        try probe.shutdown().wait()
    }
}
