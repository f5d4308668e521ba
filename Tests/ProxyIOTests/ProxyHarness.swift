import ConfigModel
import Foundation
import HealthCore
import Logging
import PGWire
@testable import ProxyIO
import XCTest

/// A data plane on its own thread with one listener in front of fake servers, stopped at the end of the test.
final class ProxyHarness {
    let plane: DataPlane
    let port: Int
    private let finished = DispatchSemaphore(value: 0)

    init(servers: [(name: String, port: Int)], balance: BalanceAlgorithm = .roundrobin,
         defaults: Defaults = Defaults(timeoutQueue: .milliseconds(300)), serverMaxconn: Int = 0,
         onMarkedDown: MarkedDownAction = .none, maxconnPerSource: Int = 0, role: ListenerRole = .any,
         onPrimaryLost: MarkedDownAction = .shutdownSessions) throws {
        let address = try SocketAddress.resolve(host: "127.0.0.1", port: 0)[0]
        let listenerSocket = try ListenerSocket.open(address).fd
        port = LoopbackSockets.localPort(of: listenerSocket)
        let endpoint = Endpoint(host: "127.0.0.1", port: port)
        let serverSettings = try servers.map { server in
            DataPlaneSettings.Server(
                config: ServerConfig(
                    name: server.name, address: Endpoint(host: "127.0.0.1", port: server.port), maxconn: serverMaxconn),
                addresses: try SocketAddress.resolve(host: "127.0.0.1", port: server.port))
        }
        let listener = DataPlaneSettings.Listener(
            config: ListenerConfig(
                name: "test", binds: [endpoint], role: role, balance: balance,
                maxconnPerSource: maxconnPerSource, servers: servers.map(\.name), onMarkedDown: onMarkedDown,
                onPrimaryLost: onPrimaryLost),
            sockets: [.init(fd: listenerSocket, endpoint: endpoint, address: "127.0.0.1:\(port)")])
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        plane = try DataPlane(
            settings: DataPlaneSettings(defaults: defaults, logSessions: false, servers: serverSettings,
                                        listeners: [listener]),
            logger: logger)
        let plane = plane
        let finished = finished
        Thread { plane.run(); finished.signal() }.start()
    }

    /// Lets the listener use exactly these servers, as a routing table from the health view would, and returns
    /// once the data plane has taken the table (a client that connects next is routed by it).
    func allow(_ servers: String..., deposed: Set<String> = [], lostPrimaries: Set<String> = []) {
        let eligible = servers.map { EligibleServer(name: $0, weight: 100) }
        plane.setRouting(
            RoutingTable(eligible: ["test": eligible], primary: nil, primaryClaimants: [], deposed: deposed,
                         lostPrimaries: lostPrimaries, splitBrain: false, nextRampUpdate: nil))
        let box = ReplyBox<Bool>()
        plane.ping { _ in box.put(true) }
        XCTAssertNoThrow(try box.take())
    }

    /// A client connected through the proxy and the server side it reached, the startup packet already relayed.
    func openSession(to serverListener: Int32) throws -> (client: Int32, backend: Int32) {
        let client = try LoopbackSockets.connect(port: port)
        try LoopbackSockets.send(client, Self.startup)
        let backend = try LoopbackSockets.accept(serverListener)
        XCTAssertEqual(try LoopbackSockets.receive(backend, count: Self.startup.count), Self.startup)
        return (client, backend)
    }

    func stop() {
        plane.shutdown(grace: .milliseconds(100))
        XCTAssertEqual(finished.wait(timeout: .now() + 5), .success, "data plane did not stop")
    }

    /// A PostgreSQL 3.0 StartupMessage, the first packet of an ordinary client.
    static let startup = StartupMessage(parameters: [.init(name: "user", value: "app")]).encoded
}

extension ProxyHarness {
    /// The data plane's counters, waited for on the test's thread.
    func snapshot(sessionRows: Int = 0) throws -> DataPlaneSnapshot {
        let box = ReplyBox<DataPlaneSnapshot>()
        plane.snapshot(sessionRows: sessionRows) { box.put($0) }
        return try box.take()
    }

    /// `shutdown sessions server` as the runtime API sends it; returns how many sessions were closed.
    func shutdownSessions(listener: String?, server: String) throws -> Int {
        let box = ReplyBox<Int>()
        plane.shutdownSessions(listener: listener, server: server) { box.put($0) }
        return try box.take()
    }
}

/// Carries one reply from the data-plane thread to the test.
final class ReplyBox<Value>: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private var value: Value?

    func put(_ value: Value) {
        self.value = value
        ready.signal()
    }

    func take() throws -> Value {
        guard ready.wait(timeout: .now() + 5) == .success, let value else { throw NoReply() }
        return value
    }

    struct NoReply: Error, CustomStringConvertible {
        var description: String { "no reply from the data plane within 5 s" }
    }
}
