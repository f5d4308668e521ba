import Glibc
import PGWire
@testable import ProxyIO
import XCTest

final class DataPlaneRelayTests: XCTestCase {
    func testBytesPassBothWaysAndHalfCloseIsRelayed() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)])
        defer { proxy.stop() }
        proxy.allow("s1")

        let client = try LoopbackSockets.connect(port: proxy.port)
        defer { close(client) }
        try LoopbackSockets.send(client, ProxyHarness.startup)
        let backend = try LoopbackSockets.accept(server.fd)
        defer { close(backend) }
        XCTAssertEqual(try LoopbackSockets.receive(backend, count: ProxyHarness.startup.count), ProxyHarness.startup)

        try LoopbackSockets.send(client, Array("ping".utf8))
        shutdown(client, Int32(SHUT_WR))
        // The server sees the client's bytes, then its EOF, and can still answer on the open half.
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(backend), Array("ping".utf8))
        try LoopbackSockets.send(backend, Array("pong".utf8))
        shutdown(backend, Int32(SHUT_WR))
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(client), Array("pong".utf8))
    }

    func testASlowClientStopsTheServerInsteadOfGrowingBuffers() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)])
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }

        // The client reads nothing: the server can push only what the socket buffers and one proxy read hold.
        var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(backend, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let chunk = [UInt8](repeating: 0x5A, count: 64 * 1024)
        var pushed = 0
        for _ in 0..<2048 {
            let n = chunk.withUnsafeBytes { send(backend, $0.baseAddress!, chunk.count, 0) }
            if n <= 0 { break }
            pushed += n
        }
        XCTAssertLessThan(pushed, 48 << 20, "the proxy kept reading from the server while the client was not")
        XCTAssertGreaterThan(pushed, 64 * 1024)

        // Once the client reads, every byte arrives, in order.
        close(backend)
        let received = try LoopbackSockets.receiveToEOF(client, limit: pushed + 1)
        XCTAssertEqual(received.count, pushed)
        XCTAssertTrue(received.allSatisfy { $0 == 0x5A })
    }

    func testAQueueTimeoutIsAPostgreSQLErrorAfterRefusingTLS() throws {
        let proxy = try ProxyHarness(servers: [("down", 9)])
        defer { proxy.stop() }
        let client = try LoopbackSockets.connect(port: proxy.port)
        defer { close(client) }
        let sslRequest: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F]
        try LoopbackSockets.send(client, sslRequest)
        XCTAssertEqual(try LoopbackSockets.receive(client, count: 1), [EncryptionRefusal.byte])
        try LoopbackSockets.send(client, ProxyHarness.startup)
        let reply = try LoopbackSockets.receiveToEOF(client)
        let error = try XCTUnwrap(ErrorResponse.decode(reply))
        XCTAssertEqual(error.sqlState, "57P03")
        XCTAssertEqual(error.message, "pgfloat: no server available for \"test\" after 300ms")
    }

    func testAClientWaitsInTheQueueUntilAServerComesUp() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)], defaults: .init(timeoutQueue: .seconds(10)))
        defer { proxy.stop() }
        let client = try LoopbackSockets.connect(port: proxy.port)
        defer { close(client) }
        try LoopbackSockets.send(client, ProxyHarness.startup)
        // Nobody has vouched for the server yet, so the client waits instead of being sent to it.
        var pending = pollfd(fd: server.fd, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&pending, 1, 300), 0, "a client was routed to an unchecked server")
        proxy.allow("s1")
        let backend = try LoopbackSockets.accept(server.fd)
        defer { close(backend) }
        XCTAssertEqual(try LoopbackSockets.receive(backend, count: ProxyHarness.startup.count), ProxyHarness.startup)
    }

    func testACancelRequestWithAnUnknownKeyReachesEveryEligibleServer() throws {
        let first = try LoopbackSockets.listen()
        let second = try LoopbackSockets.listen()
        defer { close(first.fd); close(second.fd) }
        let proxy = try ProxyHarness(servers: [("s1", first.port), ("s2", second.port)])
        defer { proxy.stop() }
        proxy.allow("s1", "s2")
        try proxy.waitForRouting()
        let cancel = CancelRequest(processID: 4242, secretKey: [1, 2, 3, 4]).encoded
        let client = try LoopbackSockets.connect(port: proxy.port)
        defer { close(client) }
        try LoopbackSockets.send(client, cancel)
        for listener in [first.fd, second.fd] {
            let backend = try LoopbackSockets.accept(listener)
            defer { close(backend) }
            XCTAssertEqual(try LoopbackSockets.receiveToEOF(backend), cancel)
        }
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(client), [])
    }

    func testGarbageFirstPacketGetsAProtocolViolation() throws {
        let proxy = try ProxyHarness(servers: [("s1", 9)])
        defer { proxy.stop() }
        let client = try LoopbackSockets.connect(port: proxy.port)
        defer { close(client) }
        // A 1 GiB length is refused from the first 8 bytes, before anything is buffered.
        try LoopbackSockets.send(client, [0x40, 0, 0, 0, 0, 3, 0, 0])
        let error = try XCTUnwrap(ErrorResponse.decode(try LoopbackSockets.receiveToEOF(client)))
        XCTAssertEqual(error.sqlState, "08P01")
    }
}

final class DataPlaneLimitTests: XCTestCase {
    func testAServerAtMaxconnQueuesTheNextClientUntilASessionEnds() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(
            servers: [("s1", server.port)], defaults: .init(timeoutQueue: .seconds(10)), serverMaxconn: 1)
        defer { proxy.stop() }
        proxy.allow("s1")

        let first = try LoopbackSockets.connect(port: proxy.port)
        try LoopbackSockets.send(first, ProxyHarness.startup)
        let firstBackend = try LoopbackSockets.accept(server.fd)

        let second = try LoopbackSockets.connect(port: proxy.port)
        defer { close(second) }
        try LoopbackSockets.send(second, ProxyHarness.startup)
        var pending = pollfd(fd: server.fd, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&pending, 1, 300), 0, "the server got a second session beyond its maxconn")

        // The first session ends as PostgreSQL ends one: the client leaves, the server sees EOF and closes.
        close(first)
        _ = try LoopbackSockets.receiveToEOF(firstBackend)
        close(firstBackend)
        let secondBackend = try LoopbackSockets.accept(server.fd)
        defer { close(secondBackend) }
        XCTAssertEqual(
            try LoopbackSockets.receive(secondBackend, count: ProxyHarness.startup.count), ProxyHarness.startup)
    }
}

final class DataPlaneTimeoutTests: XCTestCase {
    func testAnIdleSessionIsClosedOnBothSides() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(
            servers: [("s1", server.port)],
            defaults: .init(timeoutClient: .milliseconds(200), timeoutServer: .seconds(60)))
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }

        // Neither side sends anything: the sweep that runs every second closes the session.
        let started = ContinuousClock.now
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(client), [])
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(backend), [])
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
    }
}

final class DataPlaneRoutingTests: XCTestCase {
    func testSessionsOnAServerThatLeavesThePoolAreClosedWhenTheListenerAsks() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)], onMarkedDown: .shutdownSessions)
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }

        proxy.allow()
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(client), [])
        // The server side is reset, not closed: bytes still queued toward a server that left routing (a write
        // to a primary just cut off) are dropped rather than delivered when the partition heals.
        XCTAssertThrowsError(try LoopbackSockets.receiveToEOF(backend)) { error in
            XCTAssertEqual((error as? POSIXError)?.code, ECONNRESET)
        }
    }

    func testAPrimaryListenerClosesTheSessionsOfADeposedPrimaryByDefault() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        // on_marked_down is "none": the deposed primary still answers, so only on_primary_lost can close these.
        let proxy = try ProxyHarness(servers: [("s1", server.port)], role: .primary)
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }

        proxy.allow(deposed: ["s1"])
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(client), [])
        XCTAssertThrowsError(try LoopbackSockets.receiveToEOF(backend)) { error in
            XCTAssertEqual((error as? POSIXError)?.code, ECONNRESET)
        }
    }

    func testAnAnyListenerClosesItsSessionsOnAPrimaryThatLostTheRole() throws {
        // An application writing through the default role: its session on the old primary would keep committing.
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)], role: .any)
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }

        proxy.allow(lostPrimaries: ["s1"])
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(client), [])
    }

    func testAnAnyListenerKeepsItsSessionsOnServersOnlyDeposed() throws {
        // Deposed also names every replica once a primary is elected: an any listener's reads there stay.
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)], role: .any)
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }

        proxy.allow("s1", deposed: ["s1"])
        try LoopbackSockets.send(backend, Array("still here".utf8))
        XCTAssertEqual(try LoopbackSockets.receive(client, count: 10), Array("still here".utf8))
    }

    func testADeposedPrimaryKeepsItsSessionsWithOnPrimaryLostNone() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)], role: .primary, onPrimaryLost: .none)
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }

        proxy.allow(deposed: ["s1"])
        try LoopbackSockets.send(backend, Array("still here".utf8))
        XCTAssertEqual(try LoopbackSockets.receive(client, count: 10), Array("still here".utf8))
    }

    func testSessionsStayWhenTheListenerDoesNotAsk() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)])
        defer { proxy.stop() }
        proxy.allow("s1")
        let (client, backend) = try proxy.openSession(to: server.fd)
        defer { close(client); close(backend) }

        proxy.allow()
        try LoopbackSockets.send(backend, Array("still here".utf8))
        XCTAssertEqual(try LoopbackSockets.receive(client, count: 10), Array("still here".utf8))
    }
}
