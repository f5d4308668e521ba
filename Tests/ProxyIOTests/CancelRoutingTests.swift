import Glibc
import PGWire
@testable import ProxyIO
import XCTest

/// Where CancelRequests go: to the server that issued the key when pgfloat saw it, else to the eligible servers;
/// limited per client address, and given up quickly on a server that does not answer.
final class CancelRoutingTests: XCTestCase {
    private let key = BackendKey(processID: 4242, secretKey: [1, 2, 3, 4])

    func testACancelForAKnownKeyReachesOnlyItsServer() throws {
        let first = try LoopbackSockets.listen()
        let second = try LoopbackSockets.listen()
        defer { close(first.fd); close(second.fd) }
        let proxy = try ProxyHarness(servers: [("s1", first.port), ("s2", second.port)])
        defer { proxy.stop() }
        proxy.allow("s1")
        let session = try proxy.openSession(to: first.fd)
        defer { close(session.client); close(session.backend) }
        try CancelFakes.startUp(session, key: key)
        proxy.allow("s1", "s2")

        try CancelFakes.sendCancel(key, to: proxy)
        XCTAssertEqual(try CancelFakes.receiveCancel(on: first.fd), CancelFakes.request(key))
        XCTAssertFalse(CancelFakes.connectionArrives(on: second.fd), "the cancel was broadcast")
        let snapshot = try proxy.snapshot()
        XCTAssertEqual(snapshot.cancelsForwarded, ["owner": 1, "broadcast": 0])
    }

    func testAKeyIsForgottenWhenItsSessionEnds() throws {
        let first = try LoopbackSockets.listen()
        let second = try LoopbackSockets.listen()
        defer { close(first.fd); close(second.fd) }
        let proxy = try ProxyHarness(servers: [("s1", first.port), ("s2", second.port)])
        defer { proxy.stop() }
        proxy.allow("s1")
        let session = try proxy.openSession(to: first.fd)
        try CancelFakes.startUp(session, key: key)
        proxy.allow("s1", "s2")
        close(session.client)
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(session.backend), [])
        close(session.backend)
        try proxy.waitFor("the session to end") { $0.currentSessions == 0 }

        // The backend is gone and its process ID may be reused: the key no longer names a server.
        try CancelFakes.sendCancel(key, to: proxy)
        for listener in [first.fd, second.fd] {
            XCTAssertEqual(try CancelFakes.receiveCancel(on: listener), CancelFakes.request(key))
        }
        XCTAssertEqual(try proxy.snapshot().cancelsForwarded, ["owner": 0, "broadcast": 2])
    }

    func testAnUnknownKeyReachesEveryEligibleServerAndNoOther() throws {
        let servers = try (0..<3).map { _ in try LoopbackSockets.listen() }
        defer { servers.forEach { close($0.fd) } }
        let proxy = try ProxyHarness(servers: [("s1", servers[0].port), ("s2", servers[1].port),
                                               ("down", servers[2].port)])
        defer { proxy.stop() }
        proxy.allow("s1", "s2")
        try proxy.waitForRouting()

        try CancelFakes.sendCancel(key, to: proxy)
        for server in servers[0..<2] {
            XCTAssertEqual(try CancelFakes.receiveCancel(on: server.fd), CancelFakes.request(key))
        }
        XCTAssertFalse(CancelFakes.connectionArrives(on: servers[2].fd), "a server out of routing got the cancel")
        XCTAssertEqual(try proxy.snapshot().cancelsForwarded, ["owner": 0, "broadcast": 2])
    }

    func testAServerLeftOutOfRoutingWithLiveSessionsStillGetsTheBroadcast() throws {
        let first = try LoopbackSockets.listen()
        let second = try LoopbackSockets.listen()
        defer { close(first.fd); close(second.fd) }
        let proxy = try ProxyHarness(servers: [("s1", first.port), ("s2", second.port)])
        defer { proxy.stop() }
        proxy.allow("s2")
        // A session whose key pgfloat cannot know (the server sends nothing yet) stays on a drained s2.
        let session = try proxy.openSession(to: second.fd)
        defer { close(session.client); close(session.backend) }
        proxy.allow("s1")
        try proxy.waitForRouting()

        try CancelFakes.sendCancel(key, to: proxy)
        for listener in [first.fd, second.fd] {
            XCTAssertEqual(try CancelFakes.receiveCancel(on: listener), CancelFakes.request(key))
        }
    }

    func testTheKeyOfATLSSessionIsNotReadFromTheEncryptedStream() throws {
        let first = try LoopbackSockets.listen()
        let second = try LoopbackSockets.listen()
        defer { close(first.fd); close(second.fd) }
        let proxy = try ProxyHarness(servers: [("s1", first.port), ("s2", second.port)])
        defer { proxy.stop() }
        proxy.allow("s1")
        let session = try CancelFakes.openEncryptionRequest(through: proxy, to: first.fd)
        defer { close(session.client); close(session.backend) }
        // The server agrees to TLS; what follows would be records, here bytes that look like a key in the clear.
        try LoopbackSockets.send(session.backend, [UInt8(ascii: "S")] + CancelFakes.startupReply(key))
        XCTAssertEqual(
            try LoopbackSockets.receive(session.client, count: 1 + CancelFakes.startupReply(key).count).count,
            1 + CancelFakes.startupReply(key).count)
        proxy.allow("s1", "s2")

        try CancelFakes.sendCancel(key, to: proxy)
        for listener in [first.fd, second.fd] {
            XCTAssertEqual(try CancelFakes.receiveCancel(on: listener), CancelFakes.request(key))
        }
        XCTAssertEqual(try proxy.snapshot().cancelsForwarded, ["owner": 0, "broadcast": 2])
    }

    func testAfterARefusedTLSRequestThePlainStartupIsRead() throws {
        let first = try LoopbackSockets.listen()
        let second = try LoopbackSockets.listen()
        defer { close(first.fd); close(second.fd) }
        let proxy = try ProxyHarness(servers: [("s1", first.port), ("s2", second.port)])
        defer { proxy.stop() }
        proxy.allow("s1")
        let session = try CancelFakes.openEncryptionRequest(through: proxy, to: first.fd)
        defer { close(session.client); close(session.backend) }
        try LoopbackSockets.send(session.backend, [EncryptionRefusal.byte])
        XCTAssertEqual(try LoopbackSockets.receive(session.client, count: 1), [EncryptionRefusal.byte])
        try LoopbackSockets.send(session.client, ProxyHarness.startup)
        XCTAssertEqual(
            try LoopbackSockets.receive(session.backend, count: ProxyHarness.startup.count), ProxyHarness.startup)
        try CancelFakes.startUp(session, key: key)
        proxy.allow("s1", "s2")

        try CancelFakes.sendCancel(key, to: proxy)
        XCTAssertEqual(try CancelFakes.receiveCancel(on: first.fd), CancelFakes.request(key))
        XCTAssertFalse(CancelFakes.connectionArrives(on: second.fd), "the cancel was broadcast")
        XCTAssertEqual(try proxy.snapshot().cancelsForwarded, ["owner": 1, "broadcast": 0])
    }

    func testCancelsFromOneAddressAreRateLimitedAndCounted() throws {
        // No server is eligible, so an admitted cancel costs nothing and is counted as no-server.
        let proxy = try ProxyHarness(servers: [("s1", 9)])
        defer { proxy.stop() }
        let sent = CancelForwarder.sourceBurst + 60
        let started = ContinuousClock.now
        for _ in 0..<sent { try CancelFakes.sendCancel(key, to: proxy) }
        let elapsed = ContinuousClock.now - started
        let snapshot = try proxy.waitFor("every cancel to be counted") {
            ($0.cancelsDropped["rate-limited"] ?? 0) + ($0.cancelsDropped["no-server"] ?? 0) == sent
        }
        // Tokens come back at the rate while the test sends; everything beyond burst plus that is dropped.
        let refilled = Int((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            * CancelForwarder.sourceRate) + 1
        XCTAssertGreaterThanOrEqual(
            snapshot.cancelsDropped["rate-limited"] ?? 0, sent - CancelForwarder.sourceBurst - refilled)
        XCTAssertLessThanOrEqual(snapshot.cancelsDropped["no-server"] ?? 0, CancelForwarder.sourceBurst + refilled)
    }

    func testAForwardToAServerThatNeverAcceptsIsGivenUpAfterOneSecond() throws {
        let stuck = try CancelFakes.listenerWithFullBacklog()
        defer { close(stuck.listener); close(stuck.filler) }
        let proxy = try ProxyHarness(
            servers: [("stuck", stuck.port)], defaults: .init(timeoutConnect: .seconds(30)))
        defer { proxy.stop() }
        proxy.allow("stuck")
        try proxy.waitForRouting()

        let started = ContinuousClock.now
        try CancelFakes.sendCancel(key, to: proxy)
        _ = try proxy.waitFor("the forward to time out", seconds: 5) { $0.cancelsDropped["connect-timeout"] == 1 }
        let waited = ContinuousClock.now - started
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(900))
        XCTAssertLessThan(waited, .milliseconds(2500), "the forward was held for longer than its 1 s timeout")
        XCTAssertEqual(try proxy.snapshot().cancelsForwarded["broadcast"], 0)
    }

    func testTheKeyTableHoldsTheKeysOfOpenSessionsOnlyWhateverOrderTheyEnd() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)])
        defer { proxy.stop() }
        proxy.allow("s1")
        var open: [(client: Int32, backend: Int32)] = []
        for processID in 1...6 {
            let session = try proxy.openSession(to: server.fd)
            try CancelFakes.startUp(session, key: BackendKey(processID: UInt32(processID), secretKey: [0, 0, 0, 1]))
            open.append(session)
            XCTAssertEqual(try proxy.cancelKeysKnown(), open.count)
        }
        // A fixed shuffle: ends from the middle, the front and the back, by either side.
        for (step, index) in [3, 0, 3, 1, 0, 0].enumerated() {
            let session = open.remove(at: index)
            close(step % 2 == 0 ? session.client : session.backend)
            close(step % 2 == 0 ? session.backend : session.client)
            let remaining = open.count
            try proxy.waitFor("session \(step) to end") { $0.currentSessions == remaining }
            XCTAssertEqual(try proxy.cancelKeysKnown(), remaining, "after step \(step)")
        }
    }

    func testARefusedForwardIsCountedAsAConnectFailure() throws {
        // A port that was just listening and is closed now: the connect is refused.
        let gone = try LoopbackSockets.listen()
        close(gone.fd)
        let proxy = try ProxyHarness(servers: [("gone", gone.port)])
        defer { proxy.stop() }
        proxy.allow("gone")
        try proxy.waitForRouting()

        try CancelFakes.sendCancel(key, to: proxy)
        let snapshot = try proxy.waitFor("the refusal to be counted") { $0.cancelsDropped["connect-failed"] == 1 }
        XCTAssertEqual(snapshot.cancelsForwarded, ["owner": 0, "broadcast": 0])
        XCTAssertEqual(snapshot.cancelsDropped["local-error"], 0)
    }

    func testForwardsBeyondTheInFlightCapAreDroppedAndCounted() throws {
        let stuck = try CancelFakes.listenerWithFullBacklog()
        defer { close(stuck.listener); close(stuck.filler) }
        let proxy = try ProxyHarness(servers: [("stuck", stuck.port)])
        defer { proxy.stop() }
        proxy.allow("stuck")
        try proxy.waitForRouting()

        // Three loopback addresses, each within its burst, make more forwards than may connect at once.
        let sources = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
        let sent = sources.count * CancelForwarder.sourceBurst
        XCTAssertGreaterThan(sent, CancelForwarder.maxInFlight)
        let started = ContinuousClock.now
        for source in sources {
            for _ in 0..<CancelForwarder.sourceBurst { try CancelFakes.sendCancel(key, to: proxy, from: source) }
        }
        let sending = ContinuousClock.now - started
        // None connects: every forward ends as a timeout or was never started for the cap.
        let snapshot = try proxy.waitFor("every forward to end", seconds: 10) {
            ($0.cancelsDropped["in-flight-cap"] ?? 0) + ($0.cancelsDropped["connect-timeout"] ?? 0) == sent
        }
        XCTAssertEqual(snapshot.cancelsDropped["rate-limited"], 0)
        // Forwards free their place after 1 s; sent well within it, all beyond the cap were refused.
        if sending < .milliseconds(800) {
            XCTAssertEqual(snapshot.cancelsDropped["in-flight-cap"], sent - CancelForwarder.maxInFlight)
        }
    }
}

/// Fake PostgreSQL servers and clients speaking just enough of the protocol for cancel routing.
enum CancelFakes {
    /// AuthenticationOk, BackendKeyData and ReadyForQuery, as a server ends a trust login.
    static func startupReply(_ key: BackendKey) -> [UInt8] {
        let authenticationOk: [UInt8] = [UInt8(ascii: "R"), 0, 0, 0, 8, 0, 0, 0, 0]
        var keyData: [UInt8] = [UInt8(ascii: "K")] + bigEndian(UInt32(8 + key.secretKey.count))
        keyData += bigEndian(key.processID) + key.secretKey
        let ready: [UInt8] = [UInt8(ascii: "Z"), 0, 0, 0, 5, UInt8(ascii: "I")]
        return authenticationOk + keyData + ready
    }

    static func request(_ key: BackendKey) -> [UInt8] {
        CancelRequest(processID: key.processID, secretKey: key.secretKey).encoded
    }

    /// The server finishes the login, and the client reads all of it: pgfloat has relayed (and seen) every byte.
    static func startUp(_ session: (client: Int32, backend: Int32), key: BackendKey) throws {
        let reply = startupReply(key)
        // Split inside BackendKeyData, as a server's writes may be.
        try LoopbackSockets.send(session.backend, Array(reply[..<14]))
        XCTAssertEqual(try LoopbackSockets.receive(session.client, count: 14), Array(reply[..<14]))
        try LoopbackSockets.send(session.backend, Array(reply[14...]))
        XCTAssertEqual(try LoopbackSockets.receive(session.client, count: reply.count - 14), Array(reply[14...]))
    }

    /// A client that opens with an SSLRequest, and the server side it reached, the request already relayed.
    static func openEncryptionRequest(through proxy: ProxyHarness, to serverListener: Int32) throws
        -> (client: Int32, backend: Int32)
    {
        let sslRequest = FirstPacket.sslRequest.encoded
        let client = try LoopbackSockets.connect(port: proxy.port)
        try LoopbackSockets.send(client, sslRequest)
        let backend = try LoopbackSockets.accept(serverListener)
        XCTAssertEqual(try LoopbackSockets.receive(backend, count: sslRequest.count), sslRequest)
        return (client, backend)
    }

    /// Sends a CancelRequest as libpq does, from `source` (a loopback address), and waits for pgfloat to close
    /// the connection.
    static func sendCancel(_ key: BackendKey, to proxy: ProxyHarness, from source: String = "127.0.0.1") throws {
        let client = try connect(port: proxy.port, from: source)
        defer { close(client) }
        try LoopbackSockets.send(client, request(key))
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(client), [])
    }

    /// Accepts the forwarded cancel and reads it to EOF.
    static func receiveCancel(on listener: Int32) throws -> [UInt8] {
        let backend = try LoopbackSockets.accept(listener)
        defer { close(backend) }
        return try LoopbackSockets.receiveToEOF(backend)
    }

    /// Whether a connection reaches `listener` within a short wait. Forwards start in the turn that handles the
    /// request, so by the time another server has read its cancel, one to this server would have arrived.
    static func connectionArrives(on listener: Int32) -> Bool {
        var pending = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        return poll(&pending, 1, 200) > 0
    }

    /// A listener whose accept queue is full: the kernel drops further SYNs, so connects hang as to a dead host.
    static func listenerWithFullBacklog() throws -> (listener: Int32, filler: Int32, port: Int) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(listener, 0) == 0 else { throw POSIXError(errno) }
        let port = LoopbackSockets.localPort(of: listener)
        // With a backlog of 0 one established connection, never accepted, fills the queue.
        let filler = try LoopbackSockets.connect(port: port)
        return (listener, filler, port)
    }

    /// A client socket bound to `source` before it connects, so the proxy sees that address.
    private static func connect(port: Int, from source: String) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = local
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard bound == 0, connected == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(code)
        }
        LoopbackSockets.setTimeout(fd, seconds: 10)
        return fd
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

extension ProxyHarness {
    /// Polls snapshots until `condition` holds, for at most `seconds`; returns the snapshot that satisfied it.
    @discardableResult
    func waitFor(_ what: String, seconds: Double = 5, _ condition: (DataPlaneSnapshot) -> Bool) throws
        -> DataPlaneSnapshot
    {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var snapshot = try self.snapshot()
        while !condition(snapshot) {
            guard ContinuousClock.now < deadline else {
                XCTFail("timed out waiting for \(what)")
                return snapshot
            }
            usleep(5_000)
            snapshot = try self.snapshot()
        }
        return snapshot
    }

    /// Returns once the data plane has applied the routing posted before: the mailbox is read in order.
    func waitForRouting() throws { _ = try snapshot() }

    /// How many keys the cancel forwarder knows, read on the data-plane thread.
    func cancelKeysKnown() throws -> Int {
        let box = ReplyBox<Int>()
        let plane = plane
        plane.snapshot { _ in box.put(plane.cancels.keys.count) }
        return try box.take()
    }
}
