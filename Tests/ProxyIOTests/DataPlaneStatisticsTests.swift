import Glibc
@testable import ProxyIO
import XCTest

final class DataPlaneStatisticsTests: XCTestCase {
    func testSnapshotCountsSessionsAndBytesPerListenerAndServer() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port), ("s2", 1)])
        defer { proxy.stop() }
        proxy.allow("s1")
        let first = try proxy.openSession(to: server.fd)
        let second = try proxy.openSession(to: server.fd)
        defer { close(second.client); close(second.backend) }
        try LoopbackSockets.send(first.backend, Array("12345".utf8))
        XCTAssertEqual(try LoopbackSockets.receive(first.client, count: 5).count, 5)
        close(first.client)
        close(first.backend)

        var snapshot = try proxy.snapshot()
        for _ in 0..<100 where snapshot.currentSessions != 1 {
            usleep(10_000)
            snapshot = try proxy.snapshot()
        }
        let listener = try XCTUnwrap(snapshot.listeners.first)
        XCTAssertEqual(listener.traffic.current, 1)
        XCTAssertEqual(listener.traffic.max, 2)
        XCTAssertEqual(listener.traffic.total, 2)
        let startup = UInt64(ProxyHarness.startup.count)
        XCTAssertEqual(listener.traffic.bytesIn, 2 * startup, "closed and live sessions both count")
        XCTAssertEqual(listener.traffic.bytesOut, 5)
        XCTAssertEqual(listener.servers.map(\.name), ["s1", "s2"])
        XCTAssertEqual(listener.servers[0].traffic.total, 2)
        XCTAssertEqual(listener.servers[0].traffic.current, 1)
        XCTAssertEqual(listener.servers[1].traffic.total, 0)
        XCTAssertEqual(snapshot.acceptedSessions, 2)
        // Counters come without session rows: those are built only for `show sessions`.
        XCTAssertEqual(snapshot.sessions.count, 0)
        let rows = try proxy.snapshot(sessionRows: 10).sessions
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?.server, "s1")
        XCTAssertEqual(rows.first?.phase, "relaying")

        // Live bytes count at once, not when the session ends.
        try LoopbackSockets.send(second.client, Array("abc".utf8))
        XCTAssertEqual(try LoopbackSockets.receive(second.backend, count: 3), Array("abc".utf8))
        let later = try XCTUnwrap(proxy.snapshot().listeners.first)
        XCTAssertEqual(later.traffic.bytesIn, 2 * startup + 3)
        XCTAssertEqual(later.servers[0].traffic.bytesIn, 2 * startup + 3)
    }

    func testQueueCurrentAndMaxAreCounted() throws {
        let proxy = try ProxyHarness(servers: [("s1", 1)], defaults: .init(timeoutQueue: .seconds(5)))
        defer { proxy.stop() }
        let clients = try (0..<3).map { _ in try LoopbackSockets.connect(port: proxy.port) }
        defer { clients.forEach { close($0) } }
        for client in clients { try LoopbackSockets.send(client, ProxyHarness.startup) }
        var snapshot = try proxy.snapshot()
        for _ in 0..<100 where snapshot.queued != 3 {
            usleep(10_000)
            snapshot = try proxy.snapshot()
        }
        XCTAssertEqual(snapshot.listeners.first?.queueCurrent, 3)
        XCTAssertEqual(snapshot.listeners.first?.queueMax, 3)
        XCTAssertEqual(try proxy.snapshot(sessionRows: 2).sessions.map(\.phase), ["queued", "queued"])
    }

    func testShutdownSessionsClosesOnlyTheNamedServersSessions() throws {
        let one = try LoopbackSockets.listen()
        let two = try LoopbackSockets.listen()
        defer { close(one.fd); close(two.fd) }
        let proxy = try ProxyHarness(servers: [("s1", one.port), ("s2", two.port)])
        defer { proxy.stop() }
        proxy.allow("s1")
        let onOne = try proxy.openSession(to: one.fd)
        defer { close(onOne.client); close(onOne.backend) }
        proxy.allow("s2")
        let onTwo = try proxy.openSession(to: two.fd)
        defer { close(onTwo.client); close(onTwo.backend) }

        XCTAssertEqual(try proxy.shutdownSessions(listener: "other", server: "s1"), 0)
        XCTAssertEqual(try proxy.shutdownSessions(listener: nil, server: "s1"), 1)
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(onOne.client), [])
        try LoopbackSockets.send(onTwo.backend, Array("alive".utf8))
        XCTAssertEqual(try LoopbackSockets.receive(onTwo.client, count: 5), Array("alive".utf8))
    }
}
