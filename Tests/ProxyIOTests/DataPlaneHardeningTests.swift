import ConfigModel
import Foundation
import Glibc
import HealthCore
import Logging
import MonotonicTime
import PGWire
@testable import ProxyIO
import XCTest

/// Timeouts that must cut only what is really idle.
final class DataPlaneActivityTests: XCTestCase {
    /// Before any byte, a client gets `timeout_startup`, not `timeout_client` (30 minutes by default).
    func testASilentClientIsClosedAfterTheStartupTimeout() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(
            servers: [("s1", server.port)],
            defaults: .init(timeoutStartup: .milliseconds(300), timeoutClient: .seconds(60)))
        defer { proxy.stop() }
        proxy.allow("s1")
        let client = try LoopbackSockets.connect(port: proxy.port)
        defer { close(client) }
        // TCP_DEFER_ACCEPT holds the connection in the kernel for a second (its smallest setting), then pgfloat
        // has it for timeout_startup plus at most one sweep.
        let started = ContinuousClock.now
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(client), [])
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(6))
    }

    /// pg_dump, COPY TO and LISTEN clients only receive: writing to the client is activity on its side.
    func testAClientThatOnlyReceivesIsNotIdle() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(
            servers: [("s1", server.port)],
            defaults: .init(timeoutClient: .milliseconds(500), timeoutServer: .seconds(60)))
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }
        try stream(from: backend, to: client, for: .milliseconds(2500))
        try assertStillRelays(client, backend)
    }

    /// A long COPY FROM only sends: writing to the server is activity on the server's side.
    func testAServerThatOnlyReceivesIsNotIdle() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(
            servers: [("s1", server.port)],
            defaults: .init(timeoutClient: .seconds(60), timeoutServer: .milliseconds(500)))
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }
        try stream(from: client, to: backend, for: .milliseconds(2500))
        try assertStillRelays(client, backend)
    }

    /// Sends a chunk every 50 ms for `duration`, reading each on the other side.
    private func stream(from source: Int32, to destination: Int32, for duration: Duration) throws {
        let chunk = [UInt8](repeating: 0x64, count: 512)
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end {
            try LoopbackSockets.send(source, chunk)
            XCTAssertEqual(try LoopbackSockets.receive(destination, count: chunk.count), chunk)
            Thread.sleep(forTimeInterval: 0.05)  // the pace of the stream, not a wait for a condition
        }
    }

    private func assertStillRelays(_ client: Int32, _ backend: Int32) throws {
        try LoopbackSockets.send(client, [1, 2, 3])
        XCTAssertEqual(try LoopbackSockets.receive(backend, count: 3), [1, 2, 3])
        try LoopbackSockets.send(backend, [4, 5])
        XCTAssertEqual(try LoopbackSockets.receive(client, count: 2), [4, 5])
    }
}

/// Limits and failures that are pgfloat's own.
final class DataPlaneOwnLimitTests: XCTestCase {
    func testAClientHostOverMaxconnPerSourceGetsTooManyConnections() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)], maxconnPerSource: 2)
        defer { proxy.stop() }
        proxy.allow("s1")
        let first = try proxy.openSession(to: server.fd)
        let second = try proxy.openSession(to: server.fd)
        let third = try LoopbackSockets.connect(port: proxy.port)
        defer { [first.client, first.backend, second.client, second.backend, third].forEach { close($0) } }
        try LoopbackSockets.send(third, ProxyHarness.startup)
        let reply = try LoopbackSockets.receiveToEOF(third)
        XCTAssertTrue(String(decoding: reply, as: UTF8.self).contains("53300"), "no 53300 in \(reply)")
        XCTAssertEqual(try proxy.snapshot().listeners[0].perSourceRefusals, 1)

        // A place freed is a place again.
        close(first.client)
        _ = try LoopbackSockets.receiveToEOF(first.backend)
        close(first.backend)
        try waitUntil { try proxy.snapshot().currentSessions == 1 }
        let fourth = try proxy.openSession(to: server.fd)
        close(fourth.client)
        close(fourth.backend)
    }

    /// Out of descriptors is pgfloat's problem: the server is not suspended or counted as failing, the client
    /// waits, and it is served once descriptors are back.
    func testRunningOutOfDescriptorsDoesNotBlameTheServer() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)], defaults: .init(timeoutQueue: .seconds(10)))
        defer { proxy.stop() }
        proxy.allow("s1")

        var saved = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &saved)
        // Room for exactly two more descriptors: the test's client socket and the accepted one. The socket for
        // the server connection then fails with EMFILE.
        let probe = open("/dev/null", O_RDONLY)
        close(probe)
        var tight = saved
        tight.rlim_cur = rlim_t(probe + 2)
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &tight)
        let client: Int32
        do {
            defer { setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &saved) }
            client = try LoopbackSockets.connect(port: proxy.port)
            try LoopbackSockets.send(client, ProxyHarness.startup)
            try waitUntil { try !proxy.snapshot().localErrors.isEmpty }
        }
        defer { close(client) }
        let backend = try LoopbackSockets.accept(server.fd)
        defer { close(backend) }
        XCTAssertEqual(try LoopbackSockets.receive(backend, count: ProxyHarness.startup.count), ProxyHarness.startup)
        let snapshot = try proxy.snapshot()
        XCTAssertEqual(snapshot.listeners[0].servers[0].connectFailures, 0)
        XCTAssertEqual(snapshot.localErrors.keys.sorted(), ["socket:EMFILE"])
    }

    private func waitUntil(_ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while try !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("condition not met within 5 s") }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}

/// Queue service across listeners and reloads, on the real data-plane state with a scripted connector.
final class DataPlaneQueueServiceTests: XCTestCase {
    private func plane(listenerMaxconn: Int = 100, connector: ScriptedConnector) throws -> DataPlane {
        var logger = Logger(label: "queue-service")
        logger.logLevel = .critical
        let server = DataPlaneSettings.Server(
            config: ServerConfig(name: "s", address: Endpoint(host: "127.0.0.1", port: 6000), maxconn: 1),
            addresses: try SocketAddress.resolve(host: "127.0.0.1", port: 6000))
        let plane = try DataPlane(
            settings: settings(listenerMaxconn: listenerMaxconn, server: server), logger: logger,
            connector: connector)
        plane.applyRouting(
            RoutingTable(eligible: ["a": [.init(name: "s", weight: 1)], "b": [.init(name: "s", weight: 1)]],
                         primary: nil, primaryClaimants: [], splitBrain: false, nextRampUpdate: nil))
        return plane
    }

    private func settings(listenerMaxconn: Int, server: DataPlaneSettings.Server) -> DataPlaneSettings {
        DataPlaneSettings(
            defaults: Defaults(timeoutQueue: .seconds(30)), logSessions: false, servers: [server],
            listeners: ["a", "b"].map {
                .init(config: ListenerConfig(name: $0, binds: [], maxconn: listenerMaxconn, servers: ["s"]),
                      sockets: [])
            })
    }

    /// Two listeners share one server slot: as it frees up, their queues take turns instead of the first
    /// listener in the file taking every slot.
    func testListenersSharingAServerAreServedInTurn() throws {
        let connector = ScriptedConnector()
        let plane = try plane(connector: connector)
        var peers: [Int32] = []
        defer { peers.forEach { close($0) } }
        func arrive(_ listener: Int) {
            let (near, far) = socketPair()
            peers.append(far)
            _ = ProxyHarness.startup.withUnsafeBytes { write(far, $0.baseAddress, $0.count) }
            let address = try! SocketAddress.resolve(host: "127.0.0.1", port: 40000 + peers.count)[0]
            plane.startSession(clientFD: near, address: address, on: plane.listeners[listener])
        }
        for _ in 0..<3 { arrive(0) }
        for _ in 0..<3 { arrive(1) }
        var served: [String] = []
        for _ in 0..<5 {
            guard let holder = plane.sessions.compactMap({ $0 }).first(where: { $0.server != nil }) else {
                return XCTFail("nobody holds the server")
            }
            served.append(holder.listener.name)
            plane.end(holder, .clientClose)
        }
        XCTAssertEqual(served, ["a", "a", "b", "a", "b"])
    }

    /// A reload that raises a listener's maxconn lets it accept again at once, not when a session ends.
    func testARaisedMaxconnResumesAPausedListener() throws {
        let connector = ScriptedConnector()
        let plane = try plane(listenerMaxconn: 1, connector: connector)
        let listening = try LoopbackSockets.listen()
        var withSocket = settings(
            listenerMaxconn: 1,
            server: .init(config: plane.servers["s"]!.config, addresses: [plane.servers["s"]!.address]))
        withSocket.listeners[0].sockets = [.init(fd: listening.fd, endpoint: Endpoint(host: "127.0.0.1", port: 0),
                                                 address: "127.0.0.1")]
        plane.apply(withSocket)
        _ = fcntl(listening.fd, F_SETFL, O_NONBLOCK)
        let first = try LoopbackSockets.connect(port: listening.port)
        let second = try LoopbackSockets.connect(port: listening.port)
        defer { close(first); close(second) }
        // TCP_DEFER_ACCEPT: a connection reaches accept once it has data.
        try LoopbackSockets.send(first, ProxyHarness.startup)
        try LoopbackSockets.send(second, ProxyHarness.startup)
        plane.acceptClients(on: listening.fd)
        XCTAssertTrue(plane.listeners[0].paused)

        withSocket.listeners[0].config.maxconn = 5
        plane.apply(withSocket)
        XCTAssertFalse(plane.listeners[0].paused)
    }
}
