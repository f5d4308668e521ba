import Glibc
import PGWire
@testable import ProxyIO
import XCTest

/// PostgreSQL 17's `sslnegotiation=direct`: the client opens with a TLS ClientHello instead of an SSLRequest.
final class DataPlaneDirectTLSTests: XCTestCase {
    /// The first record of a ClientHello as Python's `ssl` sends it (record header `16 03 01 02 00`, then the
    /// handshake header and the start of the hello), cut short: the proxy never looks past the record header.
    static let clientHello: [UInt8] =
        [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] + Array(repeating: 0xA5, count: 64)

    func testAClientHelloReachesTheServerByteForByteAndIsCounted() throws {
        let server = try LoopbackSockets.listen()
        defer { close(server.fd) }
        let proxy = try ProxyHarness(servers: [("s1", server.port)])
        defer { proxy.stop() }
        proxy.allow("s1")

        let client = try LoopbackSockets.connect(port: proxy.port)
        defer { close(client) }
        try LoopbackSockets.send(client, Self.clientHello)
        let backend = try LoopbackSockets.accept(server.fd)
        defer { close(backend) }
        XCTAssertEqual(try LoopbackSockets.receive(backend, count: Self.clientHello.count), Self.clientHello)
        // What follows the hello is the TLS conversation: it passes both ways untouched.
        let serverHello: [UInt8] = [0x16, 0x03, 0x03, 0x00, 0x02, 0x02, 0x00]
        try LoopbackSockets.send(backend, serverHello)
        XCTAssertEqual(try LoopbackSockets.receive(client, count: serverHello.count), serverHello)

        let snapshot = try proxy.snapshot()
        XCTAssertEqual(snapshot.directTLSSessions, 1)
        XCTAssertEqual(snapshot.badStartups, [:])
    }

    func testARefusedDirectTLSClientIsClosedWithoutAPlaintextError() throws {
        // No server is eligible: the queue times out, and an ErrorResponse inside a TLS stream would be garbage to
        // the client's TLS library, so the connection is only closed.
        let proxy = try ProxyHarness(servers: [("down", 9)])
        defer { proxy.stop() }
        let client = try LoopbackSockets.connect(port: proxy.port)
        defer { close(client) }
        try LoopbackSockets.send(client, Self.clientHello)
        XCTAssertEqual(try LoopbackSockets.receiveToEOF(client), [])
        let snapshot = try proxy.snapshot()
        XCTAssertEqual(snapshot.directTLSSessions, 1)
        XCTAssertEqual(snapshot.badStartups, [:])
    }
}
