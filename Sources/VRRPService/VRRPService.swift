import AdminCore
import CSysShim
import ConfigModel
import Foundation
import Glibc
import Logging
import MonotonicTime
import NetTypes
import ThreadMailbox
import VRRPCore
import VRRPIO

/// Runs every `[[vrrp]]` instance on one thread of its own, so that a proxy saturated by clients never delays
/// an advert (keepalived's best-known cause of split brain), and watches what the instances track.
///
/// Contract: `init` opens the sockets on the caller's thread (in its network namespace) and throws before
/// anything is announced; `start` spawns the thread; every other public method only posts to the thread and
/// may be called from anywhere. Replies come back on the VRRP thread.
public final class VRRPService: @unchecked Sendable {
    /// Asks the data plane to answer; the closure passed in is called when it does.
    public typealias Heartbeat = @Sendable (@escaping @Sendable () -> Void) -> Void
    /// Runs the notify hooks of an instance's transition (off the VRRP thread).
    public typealias Notifier = @Sendable (_ instance: VRRPConfig, _ from: VRRPState, _ to: VRRPState,
                                           _ priority: UInt8) -> Void

    /// How often the proxy's heartbeat and the links are looked at.
    static let trackingPeriod = Duration.milliseconds(200)
    /// A data plane silent this long is stalled: a stalled proxy must lose the VIP in under a second.
    static let heartbeatLimit = Duration.milliseconds(700)
    /// Descriptor use above this share of the limit counts as the proxy being unable to take clients.
    static let descriptorLimitShare = 0.95

    private let logger: Logger
    private let drivers: [InstanceDriver]
    private let facts: InterfaceFacts
    private let heartbeat: Heartbeat
    private let mailbox: ThreadMailbox<VRRPCommand>
    private let lastPong = LockedInstant(MonotonicInstant(nanoseconds: shim_monotonic_ns()))
    private var pingOutstanding = false
    private var backendsReachable = true
    /// Track script states by instance, then script name.
    private var scripts: [String: [String: ScriptEffect]] = [:]
    private var nextTracking = MonotonicInstant(nanoseconds: 0)
    private var nextDescriptorCheck = MonotonicInstant(nanoseconds: 0)
    private var descriptorProblem: String?
    private var stopping: (@Sendable () -> Void)?
    private var thread: Thread?

    /// Opens each instance's socket and packet socket, and resolves its interface and source address.
    public init(
        instances: [VRRPConfig], heartbeat: @escaping Heartbeat, notifier: @escaping Notifier, logger: Logger
    ) throws {
        self.logger = logger
        self.heartbeat = heartbeat
        self.mailbox = try ThreadMailbox()
        let facts = try InterfaceFacts()
        self.facts = facts
        let vips = try VIPManager()
        drivers = try instances.map { config in
            let interface = try NetworkInterface(named: config.interface)
            let source = try Self.sourceAddress(for: config, on: interface, facts: facts)
            let transport: VRRPSocket.Transport =
                config.unicastPeers.isEmpty ? .multicast : .unicast(peers: config.unicastPeers)
            let socket = try VRRPSocket(interface: interface, source: source, transport: transport)
            guard let mac = try facts.hardwareAddress(of: interface) else {
                throw VRRPServiceError("interface \(interface) has no hardware address")
            }
            let announcer = try GratuitousAnnouncer(interface: interface, hardwareAddress: mac)
            return InstanceDriver(
                config: config, settings: config.settings(primaryAddress: source), interface: interface,
                socket: socket, vips: vips, announcer: announcer, logger: logger
            ) { from, to, priority in notifier(config, from, to, priority) }
        }
    }

    /// The address adverts come from: `unicast_source`, else the interface's primary IPv4 address (not a VIP) or
    /// its IPv6 link-local address (RFC 5798 5.1.1.1, 5.1.2.1).
    private static func sourceAddress(
        for config: VRRPConfig, on interface: NetworkInterface, facts: InterfaceFacts
    ) throws -> IPAddress {
        if let source = config.unicastSource { return source }
        let family = config.virtualAddresses.first?.address.family ?? .v4
        let found: IPAddress?
        switch family {
        case .v4:
            found = try facts.primaryIPv4Address(
                of: interface, excluding: Set(config.virtualAddresses.map(\.address)))
        case .v6:
            found = try facts.linkLocalIPv6Address(of: interface)
        }
        guard let found else {
            throw VRRPServiceError("interface \(interface) has no \(family == .v4 ? "IPv4" : "IPv6 link-local") "
                + "address for VRRP instance \(config.name)")
        }
        return found
    }

    /// Starts every instance on the VRRP thread.
    public func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "pgfloat-vrrp"
        thread.start()
        self.thread = thread
    }

    // MARK: - Inputs, from any thread

    /// A reload's `[[vrrp]]`: each running instance named in `instances` takes its settings in place (see
    /// `VRRPConfig.restartOnlyChanges` for what it cannot take; such an instance keeps running as it was).
    public func reconfigure(_ instances: [VRRPConfig]) { mailbox.post(.reconfigure(instances)) }

    /// Whether the checks see any server a listener may use (`track_backends`).
    public func setBackendsReachable(_ reachable: Bool) { mailbox.post(.backends(reachable)) }

    /// A track script's effect after rise/fall.
    public func setScript(instance: String, name: String, effect: ScriptEffect) {
        mailbox.post(.script(instance: instance, name: name, effect: effect))
    }

    /// The operator's `set vrrp NAME state backup|auto`; `reply` gets false for an unknown instance.
    public func administer(instance: String, backup: Bool, reply: @escaping @Sendable (Bool) -> Void) {
        mailbox.post(.administer(instance: instance, backup: backup, reply: reply))
    }

    /// Every instance's state, for `show vrrp`, the stats page and the metrics.
    public func snapshot(_ reply: @escaping @Sendable ([VRRPInstanceStats]) -> Void) {
        mailbox.post(.snapshot(reply))
    }

    /// Sends priority 0 from every master (so a backup takes over after its skew time rather than the full down
    /// interval), keeps each VIP until a new master's advert is heard (at most Master_Down_Interval), so that no
    /// client's SYN reaches a node without it, then ends the thread and calls `done`. The data plane must go on
    /// accepting until then.
    public func stop(_ done: @escaping @Sendable () -> Void) { mailbox.post(.stop(done)) }

    // MARK: - The loop

    private func run() {
        let start = now()
        for driver in drivers { driver.start(at: start) }
        var descriptors = [pollfd(fd: mailbox.eventFD, events: Int16(POLLIN), revents: 0)]
            + drivers.map { pollfd(fd: $0.socket.fileDescriptor, events: Int16(POLLIN), revents: 0) }
        while stopping == nil || drivers.contains(where: \.router.isReleasing) {
            let timeout = max(0, min(nextDue().since(now()).milliseconds + 1, 1000))
            let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(timeout))
            let instant = now()
            if ready > 0 {
                if descriptors[0].revents != 0 { for command in mailbox.take() { handle(command, at: instant) } }
                for (index, driver) in drivers.enumerated() where descriptors[index + 1].revents != 0 {
                    driver.readable(at: instant)
                }
            }
            for driver in drivers { driver.tick(at: instant) }
            if instant >= nextTracking { track(at: instant) }
        }
        logger.info("VRRP stopped")
        stopping?()
    }

    private func nextDue() -> MonotonicInstant {
        drivers.compactMap(\.nextDue).reduce(nextTracking) { min($0, $1) }
    }

    private func handle(_ command: VRRPCommand, at now: MonotonicInstant) {
        switch command {
        case .reconfigure(let instances):
            for next in instances {
                guard let driver = drivers.first(where: { $0.name == next.name }) else { continue }
                if !driver.reconfigure(next, at: now) {
                    logger.warning("VRRP instance changes on restart only", metadata: ["instance": "\(next.name)"])
                }
            }
            track(at: now)
        case .backends(let reachable):
            backendsReachable = reachable
            track(at: now)
        case .script(let instance, let name, let effect):
            scripts[instance, default: [:]][name] = effect
            track(at: now)
        case .administer(let instance, let backup, let reply):
            guard let driver = drivers.first(where: { $0.name == instance }) else { return reply(false) }
            logger.notice("VRRP administrative state", metadata: ["instance": "\(instance)",
                                                                  "state": "\(backup ? "backup" : "auto")"])
            driver.administer(backup: backup, at: now)
            reply(true)
        case .snapshot(let reply):
            reply(drivers.map { $0.stats(at: now) })
        case .pong:
            pingOutstanding = false
        case .stop(let done):
            guard stopping == nil else { return }
            stopping = done
            for driver in drivers { driver.shutdown(at: now) }
        }
    }

    /// Looks at the proxy's heartbeat, descriptors and links, and hands each instance what it tracks.
    private func track(at now: MonotonicInstant) {
        nextTracking = now + Self.trackingPeriod
        if !pingOutstanding {
            pingOutstanding = true
            let lastPong = self.lastPong
            let mailbox = self.mailbox
            heartbeat {
                lastPong.set(MonotonicInstant(nanoseconds: shim_monotonic_ns()))
                mailbox.post(.pong)
            }
        }
        if now >= nextDescriptorCheck {
            nextDescriptorCheck = now + .seconds(1)
            descriptorProblem = Self.descriptorProblem()
        }
        let silence = now.since(lastPong.get())
        let proxyProblem = descriptorProblem
            ?? (silence > Self.heartbeatLimit ? "data plane has not answered for \(silence.milliseconds) ms" : nil)
        for driver in drivers {
            var state = TrackedState(
                proxyProblem: proxyProblem, backendsReachable: backendsReachable,
                scripts: scripts[driver.name] ?? [:])
            for name in driver.policy.interfaces where !linkUsable(name) { state.interfacesDown.insert(name) }
            driver.track(state, at: now)
        }
    }

    private func linkUsable(_ name: String) -> Bool {
        guard let interface = try? NetworkInterface(named: name), let state = try? facts.linkState(of: interface)
        else { return false }
        return state.isUsable
    }

    /// Open descriptors against the soft limit, from /proc/self/fd.
    private static func descriptorProblem() -> String? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur > 0,
            let open = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        else { return nil }
        guard Double(open) > Double(limit.rlim_cur) * descriptorLimitShare else { return nil }
        return "\(open) of \(limit.rlim_cur) file descriptors in use"
    }

    private func now() -> MonotonicInstant { MonotonicInstant(nanoseconds: shim_monotonic_ns()) }
}

/// The VRRP module could not start as configured.
public struct VRRPServiceError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
