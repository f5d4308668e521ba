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

/// Random sequences of client, server, routing and clock events against the real `DataPlane` state, with the
/// invariants of sessions, queues, counters and descriptors checked after every step.
///
/// The loop is not run: the test calls the handlers epoll would, on a fake clock, with socket pairs for clients
/// and servers and a connector that fails at once as a host out of descriptors or routes does. A failure names
/// its seed; `PGFLOAT_QUEUE_SEEDS` runs more seeds (`make queue-property`), `PGFLOAT_QUEUE_SEED` replays one.
final class QueuePropertyTests: XCTestCase {
    func testRandomSequencesKeepTheInvariants() throws {
        let environment = ProcessInfo.processInfo.environment
        let seeds: [UInt64]
        if let one = environment["PGFLOAT_QUEUE_SEED"].flatMap(UInt64.init) {
            seeds = [one]
        } else {
            seeds = Array(1...(environment["PGFLOAT_QUEUE_SEEDS"].flatMap(UInt64.init) ?? 1500))
        }
        for seed in seeds {
            let run = try QueueModelRun(seed: seed)
            try run.play(steps: 150)
            if testRun?.failureCount ?? 0 > 0 {
                XCTFail("replay with PGFLOAT_QUEUE_SEED=\(seed)")
                return
            }
        }
    }
}

/// Hands out socket pairs as server connections, or fails the way `socket`, `connect` and `epoll_ctl` fail.
final class ScriptedConnector: ServerConnector {
    enum Outcome { case pending, refusedAtOnce, unreachable, outOfDescriptors, noPorts, epollRefuses, peerGone }

    var next: () -> Outcome = { .pending }
    /// Told of every descriptor made, since a number reused was certainly closed before.
    var created: (Int32) -> Void = { _ in }
    /// The far end of each pending connection, by the descriptor the data plane got.
    var peers: [Int32: Int32] = [:]

    func start(to address: SocketAddress) -> ConnectStart {
        switch next() {
        case .pending:
            let (near, far) = socketPair()
            created(near)
            created(far)
            if let stale = peers.updateValue(far, forKey: near) { close(stale) }
            return .inFlight(fd: near)
        case .refusedAtOnce: return .failed(ConnectError(operation: "connect", code: ECONNREFUSED))
        case .unreachable: return .failed(ConnectError(operation: "connect", code: ENETUNREACH))
        case .outOfDescriptors: return .failed(ConnectError(operation: "socket", code: EMFILE))
        case .noPorts: return .failed(ConnectError(operation: "connect", code: EADDRNOTAVAIL))
        case .peerGone:
            // Connected, then closed by the server before the first byte: the early send fails with EPIPE.
            let (near, far) = socketPair()
            created(near)
            created(far)
            close(far)
            return .inFlight(fd: near)
        case .epollRefuses:
            // epoll_ctl refuses regular files (EPERM): a real failure of the registration step.
            let fd = open("/dev/null", O_RDWR | O_CLOEXEC)
            created(fd)
            return .inFlight(fd: fd)
        }
    }
}

func socketPair() -> (Int32, Int32) {
    var fds: [Int32] = [-1, -1]
    let status = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds)
    precondition(status == 0, "socketpair: \(errno)")
    return (fds[0], fds[1])
}

/// One seeded sequence and the bookkeeping to check it.
final class QueueModelRun {
    let seed: UInt64
    var random: SplitMixRandom
    let connector = ScriptedConnector()
    let plane: DataPlane
    let serverNames = ["a", "b", "c"]
    var clock: UInt64 = 1_000_000_000
    /// The test's end of every client connection, by the descriptor the data plane got.
    var clientPeers: [Int32: Int32] = [:]
    /// Descriptors the data plane was given and has not been seen to close yet.
    var handed: Set<Int32> = []
    var accepted = 0

    init(seed: UInt64) throws {
        self.seed = seed
        random = SplitMixRandom(seed: seed)
        var logger = Logger(label: "queue-property")
        logger.logLevel = .critical
        let servers = try serverNames.enumerated().map { index, name in
            DataPlaneSettings.Server(
                config: ServerConfig(name: name, address: Endpoint(host: "127.0.0.1", port: 6000 + index),
                                     maxconn: 2),
                addresses: try SocketAddress.resolve(host: "127.0.0.1", port: 6000 + index))
        }
        let listeners = [
            ListenerConfig(name: "rw", binds: [], maxconn: 8, servers: ["a", "b", "c"]),
            ListenerConfig(name: "ro", binds: [], maxconn: 6, maxconnPerSource: 3, servers: ["b", "c"]),
        ].map { DataPlaneSettings.Listener(config: $0, sockets: []) }
        let defaults = Defaults(
            timeoutConnect: .milliseconds(300), timeoutStartup: .milliseconds(800), timeoutClient: .seconds(5),
            timeoutServer: .seconds(5), timeoutQueue: .milliseconds(700), retries: 2, maxconn: 12)
        plane = try DataPlane(
            settings: DataPlaneSettings(defaults: defaults, logSessions: false, servers: servers,
                                        listeners: listeners),
            logger: logger, connector: connector)
        plane.now = MonotonicInstant(nanoseconds: clock)
        plane.lastSweep = plane.now
        connector.created = { [unowned self] fd in self.handed.remove(fd) }
        connector.next = { [unowned self] in
            switch self.random.below(13) {
            case 0: return .refusedAtOnce
            case 1: return .unreachable
            case 2: return .outOfDescriptors
            case 3: return .noPorts
            case 4: return .epollRefuses
            case 5: return .peerGone
            default: return .pending
            }
        }
    }

    deinit {
        for (_, peer) in clientPeers { close(peer) }
        for (_, peer) in connector.peers { close(peer) }
    }

    func play(steps: Int) throws {
        route(eligible: ["rw": serverNames, "ro": ["b", "c"]])
        for step in 0..<steps {
            let action = random.below(100)
            switch action {
            case 0..<20: accept()
            case 20..<32: sendStartup()
            case 32..<44: connectSucceeds()
            case 44..<52: connectFailsLater()
            case 52..<60: changeRouting()
            case 60..<74: advanceClock()
            case 74..<84: clientLeaves()
            case 84..<92: serverLeaves()
            default: relayOnce()
            }
            plane.runDeferredPumps()
            check("seed \(seed) step \(step) action \(action)")
        }
        plane.beginShutdown(grace: .milliseconds(1))
        clock += 10_000_000
        plane.now = MonotonicInstant(nanoseconds: clock)
        plane.runTimers()
        check("seed \(seed) after shutdown")
        XCTAssertEqual(plane.processSessions, 0, "seed \(seed): sessions left after shutdown")
        XCTAssertTrue(handed.isEmpty, "seed \(seed): descriptors never closed: \(handed)")
    }

    // MARK: - Actions

    private func live(_ where: (Session) -> Bool) -> Session? {
        let candidates = plane.sessions.compactMap { $0 }.filter(`where`)
        guard !candidates.isEmpty else { return nil }
        return candidates[random.below(candidates.count)]
    }

    private func accept() {
        let listener = plane.listeners[random.below(plane.listeners.count)]
        let (near, far) = socketPair()
        handed.remove(far)
        if let stale = clientPeers.updateValue(far, forKey: near) { close(stale) }
        handed.insert(near)
        // Some clients have sent their startup packet before the accept, as with TCP_DEFER_ACCEPT.
        if random.below(2) == 0 { send(ProxyHarness.startup, to: far) }
        let host = "127.0.0.\(1 + random.below(3))"
        let address = try! SocketAddress.resolve(host: host, port: 40000 + accepted)[0]
        accepted += 1
        plane.startSession(clientFD: near, address: address, on: listener)
        trackServerDescriptors()
    }

    private func sendStartup() {
        guard let session = live({ if case .firstPacket = $0.phase { return true } else { return false } }),
            let peer = clientPeers[session.clientFD]
        else { return }
        send(ProxyHarness.startup, to: peer)
        plane.clientEvent(session, SHIM_EPOLLIN)
        trackServerDescriptors()
    }

    private func connectSucceeds() {
        guard let session = live({ if case .connecting = $0.phase { return true } else { return false } }) else {
            return
        }
        plane.serverEvent(session, SHIM_EPOLLOUT)
        trackServerDescriptors()
    }

    private func connectFailsLater() {
        guard let session = live({ if case .connecting = $0.phase { return true } else { return false } }) else {
            return
        }
        plane.serverEvent(session, SHIM_EPOLLERR | SHIM_EPOLLHUP)
        trackServerDescriptors()
    }

    private func changeRouting() {
        var eligible: [String: [String]] = [:]
        for listener in plane.listeners {
            eligible[listener.name] = listener.config.servers.filter { _ in random.below(3) != 0 }
        }
        route(eligible: eligible)
    }

    private func route(eligible: [String: [String]]) {
        plane.applyRouting(
            RoutingTable(eligible: eligible.mapValues { $0.map { EligibleServer(name: $0, weight: 100) } },
                         primary: nil, primaryClaimants: [], splitBrain: false, nextRampUpdate: nil))
        trackServerDescriptors()
    }

    private func advanceClock() {
        clock += UInt64(random.below(5)) * 150_000_000
        plane.now = MonotonicInstant(nanoseconds: clock)
        plane.runTimers()
        trackServerDescriptors()
    }

    private func clientLeaves() {
        guard let session = live({ _ in true }), let peer = clientPeers.removeValue(forKey: session.clientFD) else {
            return
        }
        close(peer)
        plane.clientEvent(session, SHIM_EPOLLIN | SHIM_EPOLLRDHUP)
        trackServerDescriptors()
    }

    private func serverLeaves() {
        guard let session = live({ $0.isRelaying }), let peer = connector.peers.removeValue(forKey: session.serverFD)
        else { return }
        close(peer)
        plane.serverEvent(session, SHIM_EPOLLIN | SHIM_EPOLLRDHUP)
        trackServerDescriptors()
    }

    private func relayOnce() {
        guard let session = live({ $0.isRelaying }), let peer = connector.peers[session.serverFD] else { return }
        send([0x5A, 0, 0, 0, 5, 0x49], to: peer)
        plane.serverEvent(session, SHIM_EPOLLIN)
    }

    private func send(_ bytes: [UInt8], to fd: Int32) {
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Server descriptors the connector handed out are the data plane's from then on.
    private func trackServerDescriptors() {
        for session in plane.sessions.compactMap({ $0 }) where session.serverFD >= 0 {
            handed.insert(session.serverFD)
        }
    }

    // MARK: - Invariants

    private func check(_ context: String) {
        let sessions = plane.sessions.compactMap { $0 }
        var open: Set<Int32> = []
        var queued: Set<SessionRef> = []
        for session in sessions {
            open.insert(session.clientFD)
            if session.serverFD >= 0 { open.insert(session.serverFD) }
            switch session.phase {
            case .queued:
                queued.insert(session.ref)
                XCTAssertTrue(session.listener.queue.contains(session.ref), "\(context): queued but not in queue")
                XCTAssertNil(session.server, "\(context): queued with a server")
                XCTAssertEqual(session.serverFD, -1, "\(context): queued with a server socket")
            case .connecting:
                XCTAssertNotNil(session.server, "\(context): connecting without a server")
                XCTAssertGreaterThanOrEqual(session.serverFD, 0, "\(context): connecting without a socket")
            case .firstPacket:
                XCTAssertNil(session.server, "\(context): server before the first packet")
            case .relaying, .refusing:
                break
            }
        }
        var entries = 0
        for listener in plane.listeners {
            for ref in listener.queue.waiting {
                entries += 1
                guard let session = plane.session(ref) else {
                    XCTFail("\(context): queue entry \(ref) outlived its session")
                    continue
                }
                XCTAssertTrue(session.listener === listener, "\(context): entry in another listener's queue")
                if case .queued = session.phase {} else { XCTFail("\(context): entry for a \(session.phase.name)") }
            }
            let mine = sessions.filter { $0.listener === listener }
            XCTAssertEqual(listener.traffic.current, mine.count, "\(context): \(listener.name) current")
            if listener.config.maxconnPerSource > 0 {
                let held = listener.sourceSessions.values.reduce(0, +)
                XCTAssertEqual(held, mine.filter(\.countedPerSource).count, "\(context): per-source counts")
                XCTAssertTrue(listener.sourceSessions.values.allSatisfy { $0 <= listener.config.maxconnPerSource })
            }
            for server in listener.pool {
                let count = mine.filter { $0.server === server }.count
                XCTAssertEqual(listener.serverTraffic[server.name]?.current ?? 0, count,
                               "\(context): \(listener.name)/\(server.name) current")
            }
        }
        XCTAssertEqual(entries, queued.count, "\(context): queue entries vs queued sessions")
        XCTAssertEqual(plane.queuedSessions, queued.count, "\(context): queuedSessions")
        XCTAssertEqual(plane.processSessions, sessions.count, "\(context): processSessions")
        for server in plane.servers.values {
            let count = sessions.filter { $0.server === server }.count
            XCTAssertEqual(server.sessions, count, "\(context): \(server.name).sessions")
            XCTAssertLessThanOrEqual(count, server.config.maxconn, "\(context): \(server.name) over maxconn")
        }
        // Descriptors the data plane no longer holds must be closed, not leaked.
        for fd in handed where !open.contains(fd) {
            XCTAssertEqual(fcntl(fd, F_GETFD), -1, "\(context): descriptor \(fd) leaked")
            handed.remove(fd)
            clientPeers.removeValue(forKey: fd).map { _ = close($0) }
            connector.peers.removeValue(forKey: fd).map { _ = close($0) }
        }
        // The loop must sleep when nothing is due: a zero timeout with nothing to do is a spin.
        if !plane.stopped, plane.deferredPumps.isEmpty, !plane.queueServiceHeld {
            let due = plane.listeners.contains { $0.queue.nextDeadline().map { $0 <= plane.now } ?? false }
            if !due { XCTAssertGreaterThan(plane.nextTimeoutMilliseconds(), 0, "\(context): the loop would spin") }
        }
    }
}

/// SplitMix64: small, deterministic, and enough for choosing test actions.
struct SplitMixRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
