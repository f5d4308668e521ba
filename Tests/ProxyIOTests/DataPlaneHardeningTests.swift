import ConfigModel
import CSysShim
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
    /// A client at its limit must still cancel its own queries: libpq sends the cancel on a new connection.
    func testACancelFromAHostAtMaxconnPerSourceIsForwarded() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)], maxconnPerSource: 1)
        defer { proxy.stop() }
        proxy.allow("s1")
        let held = try proxy.openSession(to: server.fd)
        defer { close(held.client); close(held.backend) }
        let canceller = try LoopbackSockets.connect(port: proxy.port)
        defer { close(canceller) }
        let cancel = FirstPacket.cancel(CancelRequest(processID: 42, secretKey: [1, 2, 3, 4])).encoded
        try LoopbackSockets.send(canceller, cancel)
        let forwarded = try LoopbackSockets.accept(server.fd)
        defer { close(forwarded) }
        XCTAssertEqual(try LoopbackSockets.receive(forwarded, count: cancel.count), cancel)
        XCTAssertEqual(try proxy.snapshot().listeners[0].perSourceRefusals, 0)
    }

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
    private func plane(
        listenerMaxconn: Int = 100, connector: ScriptedConnector, servers: [String] = ["s"],
        timeoutQueue: Duration = .seconds(30)
    ) throws -> DataPlane {
        var logger = Logger(label: "queue-service")
        logger.logLevel = .critical
        let plane = try DataPlane(
            settings: settings(listenerMaxconn: listenerMaxconn, servers: servers, timeoutQueue: timeoutQueue),
            logger: logger, connector: connector)
        let eligible = servers.map { EligibleServer(name: $0, weight: 1) }
        plane.applyRouting(
            RoutingTable(eligible: ["a": eligible, "b": eligible], primary: nil, primaryClaimants: [],
                         splitBrain: false, nextRampUpdate: nil))
        return plane
    }

    private func settings(
        listenerMaxconn: Int, servers: [String] = ["s"], timeoutQueue: Duration = .seconds(30)
    ) throws -> DataPlaneSettings {
        let serverSettings = try servers.enumerated().map { index, name in
            DataPlaneSettings.Server(
                config: ServerConfig(name: name, address: Endpoint(host: "127.0.0.1", port: 6000 + index),
                                     maxconn: 1),
                addresses: try SocketAddress.resolve(host: "127.0.0.1", port: 6000 + index))
        }
        return DataPlaneSettings(
            defaults: Defaults(timeoutQueue: timeoutQueue), logSessions: false, servers: serverSettings,
            listeners: ["a", "b"].map {
                .init(config: ListenerConfig(name: $0, binds: [], maxconn: listenerMaxconn, servers: servers),
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

    /// The startup packet went out early to a server whose connect then failed: the next server gets all of it
    /// again, not what was left after the first one's share.
    func testARetryAfterAnEarlySendResendsTheWholeFirstPacket() throws {
        let connector = ScriptedConnector()
        let plane = try plane(connector: connector, servers: ["s", "t"])
        let (near, far) = socketPair()
        defer { close(far) }
        _ = ProxyHarness.startup.withUnsafeBytes { write(far, $0.baseAddress, $0.count) }
        let address = try SocketAddress.resolve(host: "127.0.0.1", port: 40000)[0]
        plane.startSession(clientFD: near, address: address, on: plane.listeners[0])
        let session = try XCTUnwrap(plane.sessions.compactMap { $0 }.first)
        let first = try XCTUnwrap(connector.peers[session.serverFD])
        XCTAssertEqual(try LoopbackSockets.receive(first, count: ProxyHarness.startup.count), ProxyHarness.startup)

        plane.serverEvent(session, SHIM_EPOLLERR | SHIM_EPOLLHUP)
        let second = try XCTUnwrap(connector.peers[session.serverFD])
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(try LoopbackSockets.receive(second, count: ProxyHarness.startup.count), ProxyHarness.startup)
        plane.serverEvent(session, SHIM_EPOLLOUT)
        XCTAssertTrue(session.isRelaying)
        XCTAssertTrue(session.toServer.isEmpty, "the confirmed connect owns what was sent early")
    }

    /// Queue service connects a waiting client, the send right after the connect finds the server gone, and no
    /// other server can take it: the client is waiting again, and only once.
    func testAClientServedFromTheQueueWhoseConnectFailsAtOnceWaitsAgain() throws {
        let connector = ScriptedConnector()
        let plane = try plane(connector: connector)
        var outcomes: [ScriptedConnector.Outcome] = [.pending, .peerGone]
        connector.next = { outcomes.isEmpty ? .pending : outcomes.removeFirst() }
        var peers: [Int32] = []
        defer { peers.forEach { close($0) } }
        for port in [40001, 40002] {
            let (near, far) = socketPair()
            peers.append(far)
            _ = ProxyHarness.startup.withUnsafeBytes { write(far, $0.baseAddress, $0.count) }
            let address = try SocketAddress.resolve(host: "127.0.0.1", port: port)[0]
            plane.startSession(clientFD: near, address: address, on: plane.listeners[0])
        }
        let holder = try XCTUnwrap(plane.sessions.compactMap { $0 }.first { $0.server != nil })
        plane.end(holder, .clientClose)
        let waiting = try XCTUnwrap(plane.sessions.compactMap { $0 }.first)
        guard case .queued = waiting.phase else { return XCTFail("phase \(waiting.phase.name)") }
        XCTAssertEqual(plane.listeners[0].queue.waiting, [waiting.ref])
        plane.end(waiting, .clientClose)
        XCTAssertEqual(plane.queuedSessions, 0)
    }

    /// A queue timeout refuses a TLS-asking client with 'N' and then waits for its plaintext startup: that wait
    /// is timed from the refusal, not from the accept, or the client would get a closed socket, not 57P03.
    func testARefusalWaitsForTheStartupFromTheRefusalOn() throws {
        let connector = ScriptedConnector()
        let plane = try plane(connector: connector, timeoutQueue: .seconds(15))
        plane.applyRouting(RoutingTable(eligible: [:], primary: nil, primaryClaimants: [], splitBrain: false,
                                        nextRampUpdate: nil))
        let (near, far) = socketPair()
        defer { close(far) }
        _ = FirstPacket.sslRequest.encoded.withUnsafeBytes { write(far, $0.baseAddress, $0.count) }
        let start = plane.now
        plane.startSession(clientFD: near, address: try SocketAddress.resolve(host: "127.0.0.1", port: 1)[0],
                           on: plane.listeners[0])
        let session = try XCTUnwrap(plane.sessions.compactMap { $0 }.first)
        plane.now = start + .seconds(15)
        plane.lastSweep = plane.now
        plane.runTimers()
        XCTAssertEqual(try LoopbackSockets.receive(far, count: 1), [UInt8(ascii: "N")])
        plane.now = start + .seconds(16) + .milliseconds(1)
        plane.runTimers()
        XCTAssertTrue(plane.sessions[session.slot] === session, "cut \(plane.now.since(start)) after the accept")
        _ = ProxyHarness.startup.withUnsafeBytes { write(far, $0.baseAddress, $0.count) }
        plane.clientEvent(session, SHIM_EPOLLIN)
        let reply = try LoopbackSockets.receiveToEOF(far)
        XCTAssertTrue(String(decoding: reply, as: UTF8.self).contains("57P03"))
    }

    /// A reload that raises a listener's maxconn lets it accept again at once, not when a session ends.
    func testARaisedMaxconnResumesAPausedListener() throws {
        let connector = ScriptedConnector()
        let plane = try plane(listenerMaxconn: 1, connector: connector)
        let listening = try LoopbackSockets.listen()
        var withSocket = try settings(listenerMaxconn: 1)
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
