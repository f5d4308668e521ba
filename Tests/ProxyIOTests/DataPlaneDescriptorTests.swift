import Glibc
@testable import ProxyIO
import XCTest

/// The count the heartbeat carries to VRRP's `track_proxy` in place of a `/proc/self/fd` listing.
final class DataPlaneDescriptorTests: XCTestCase {
    func testHeartbeatCarriesTheDescriptorsSessionsAndListenersHold() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)])
        defer { proxy.stop() }
        proxy.allow("s1")
        // epoll, the mailbox's eventfd and the one listening socket.
        XCTAssertEqual(try held(proxy), 3)
        let first = try proxy.openSession(to: server.fd)
        let second = try proxy.openSession(to: server.fd)
        defer { close(second.client); close(second.backend) }
        XCTAssertEqual(try held(proxy), 3 + 2 * 2, "a client and a server socket per session")
        close(first.client)
        close(first.backend)
        var count = try held(proxy)
        for _ in 0..<200 where count != 5 {
            usleep(10_000)
            count = try held(proxy)
        }
        XCTAssertEqual(count, 3 + 2, "an ended session gives both back")
    }

    func testAQueuedClientHoldsOnlyItsOwnSocket() throws {
        let proxy = try ProxyHarness(servers: [("s1", 1)], defaults: .init(timeoutQueue: .seconds(5)))
        defer { proxy.stop() }
        let client = try LoopbackSockets.connect(port: proxy.port)
        defer { close(client) }
        try LoopbackSockets.send(client, ProxyHarness.startup)
        var snapshot = try proxy.snapshot()
        for _ in 0..<200 where snapshot.queued != 1 {
            usleep(10_000)
            snapshot = try proxy.snapshot()
        }
        XCTAssertEqual(snapshot.queued, 1)
        XCTAssertEqual(try held(proxy), 3 + 1)
    }

    private func held(_ proxy: ProxyHarness) throws -> Int {
        let box = ReplyBox<Int>()
        proxy.plane.ping { box.put($0) }
        return try box.take()
    }
}
