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
/// Contract: `init` opens the rtnetlink sockets and each instance's sockets on the caller's thread (in its network
/// namespace); it throws only when those shared sockets cannot be opened. An instance whose interface is missing,
/// has no MAC or no usable source address starts in FAULT and opens when the interface is back: it never stops
/// the daemon. `start` spawns the thread; every other public method only posts to the thread and may be called
/// from anywhere. Replies come back on the VRRP thread.
public final class VRRPService: @unchecked Sendable {
    /// Asks the data plane to answer; the closure passed in is called when it does, with the descriptors the data
    /// plane holds then.
    public typealias Heartbeat = @Sendable (@escaping @Sendable (_ descriptorsHeld: Int) -> Void) -> Void
    /// Runs the notify hooks of an instance's transition (off the VRRP thread).
    public typealias Notifier = @Sendable (_ instance: VRRPConfig, _ from: VRRPState, _ to: VRRPState,
                                           _ priority: UInt8) -> Void

    /// How often the proxy's heartbeat and the links are looked at.
    static let trackingPeriod = Duration.milliseconds(200)

    private let logger: Logger
    private let drivers: [InstanceDriver]
    private let facts: InterfaceFacts
    /// Links and addresses from rtnetlink notifications: link tracking, vanished VIPs and interface lifecycle.
    private let watcher: InterfaceWatcher
    private let heartbeat: Heartbeat
    private let mailbox: ThreadMailbox<VRRPCommand>
    /// When the data plane last answered the heartbeat, written on its thread.
    private let lastPong = LockedInstant(MonotonicInstant(nanoseconds: 0))
    private var pings = ProxyHeartbeat()
    private var backendsReachable = true
    /// Track script states by instance, then script name.
    private var scripts: [String: [String: ScriptEffect]] = [:]
    private var nextTracking = MonotonicInstant(nanoseconds: 0)
    /// Judges the descriptor count each heartbeat brings; nil when the open-file limit could not be read.
    private let descriptorPressure: DescriptorPressure?
    private var descriptorProblem: String?
    private var stopping: (@Sendable () -> Void)?
    private var thread: Thread?

    /// Opens the rtnetlink sockets, then each instance's interface that can be opened now.
    /// `descriptorsOutsideDataPlane`: what the rest of the process holds, added to each heartbeat's count.
    public init(
        instances: [VRRPConfig], heartbeat: @escaping Heartbeat, descriptorsOutsideDataPlane: Int,
        notifier: @escaping Notifier, logger: Logger
    ) throws {
        self.logger = logger
        descriptorPressure = DescriptorPressure.current(outsideDataPlane: descriptorsOutsideDataPlane)
        self.heartbeat = heartbeat
        self.mailbox = try ThreadMailbox()
        facts = try InterfaceFacts()
        watcher = try InterfaceWatcher()
        let vips = try VIPManager()
        drivers = instances.map { config in
            // Replaced by the interface's own address when it opens.
            let placeholder = config.unicastSource
                ?? (config.virtualAddresses.first?.address.family == .v6 ? IPAddress.v6(IPv6Bytes(high: 0, low: 0))
                    : IPAddress.v4(0))
            return InstanceDriver(
                config: config, settings: config.settings(primaryAddress: placeholder), link: nil, vips: vips,
                logger: logger
            ) { from, to, priority in notifier(config, from, to, priority) }
        }
        reopenInterfaces(at: now())
    }

    /// Closes the instances whose interface went away or changed, and opens those whose interface is usable now.
    private func reopenInterfaces(at now: MonotonicInstant) {
        for driver in drivers {
            if let link = driver.link, let problem = interfaceProblem(of: link, config: driver.config) {
                driver.detach(problem, at: now)
            }
            guard driver.link == nil else { continue }
            switch open(driver.config) {
            case .success(let link): driver.attach(link, at: now)
            case .failure(let error): driver.detach("\(error)", at: now)
            }
        }
    }

    /// Why an open interface can no longer be used as it was opened; nil while it can.
    private func interfaceProblem(of link: InstanceLink, config: VRRPConfig) -> String? {
        guard let current = watcher.link(named: config.interface) else {
            return "interface \(config.interface) missing"
        }
        guard current.index == link.interface.index else {
            return "interface \(config.interface) recreated (index \(link.interface.index) -> \(current.index))"
        }
        guard current.hardwareAddress == link.announcer.hardwareAddress else {
            return "interface \(config.interface) changed its hardware address"
        }
        guard config.unicastSource != nil
            || watcher.addresses[current.index, default: []].contains(where: {
                $0.network.address == link.socket.source && !$0.isTentative
            })
        else { return "interface \(config.interface) lost source address \(link.socket.source)" }
        return nil
    }

    /// Why the watcher's model shows no address adverts could come from on `link`; nil when it shows one.
    private func missingSource(_ config: VRRPConfig, on link: WatchedLink) -> VRRPServiceError? {
        let vips = Set(config.virtualAddresses.map(\.address))
        let addresses = watcher.addresses[link.index, default: []]
        switch config.virtualAddresses.first?.address.family ?? .v4 {
        case .v4:
            let usable = addresses.contains {
                $0.network.address.family == .v4 && !$0.isSecondary && !vips.contains($0.network.address)
            }
            return usable ? nil : VRRPServiceError("interface \(link.name) has no IPv4 address")
        case .v6:
            let linkLocal = addresses.filter { $0.network.address.family == .v6 && $0.isLinkScope }
            if linkLocal.contains(where: { !$0.isTentative }) { return nil }
            let state = linkLocal.isEmpty ? "no" : "only a tentative (DAD)"
            return VRRPServiceError("interface \(link.name) has \(state) IPv6 link-local address")
        }
    }

    /// Opens the advert socket and announcer of an instance's interface as it is now.
    private func open(_ config: VRRPConfig) -> Result<InstanceLink, Error> {
        Result {
            guard let known = watcher.link(named: config.interface) else {
                throw VRRPServiceError("interface \(config.interface) missing")
            }
            let interface = try NetworkInterface(named: config.interface)
            guard interface.index == known.index else {
                throw VRRPServiceError("interface \(config.interface) is being recreated")
            }
            guard let mac = known.hardwareAddress else {
                throw VRRPServiceError("interface \(interface) has no hardware address")
            }
            // The model answers first, so that the address dump below runs once a source is there, not on
            // every notification while the interface has none.
            if config.unicastSource == nil, let missing = missingSource(config, on: known) { throw missing }
            let source = try Self.sourceAddress(
                for: config, on: interface, facts: facts, hostAddresses: watcher.addressesByName)
            let transport: VRRPSocket.Transport =
                config.unicastPeers.isEmpty ? .multicast : .unicast(peers: config.unicastPeers)
            let socket = try VRRPSocket(interface: interface, source: source, transport: transport)
            let announcer = try GratuitousAnnouncer(interface: interface, hardwareAddress: mac)
            return InstanceLink(interface: interface, socket: socket, announcer: announcer)
        }
    }

    /// The address adverts come from: `unicast_source`, else the interface's primary IPv4 address (not a VIP) or
    /// its IPv6 link-local address (RFC 5798 5.1.1.1, 5.1.2.1). A `unicast_source` that is not this host's
    /// refuses the instance: copied to every node, each would drop the others' adverts as its own.
    ///
    /// `hostAddresses` is the interface watcher's model: `open` runs on every interface notification while an
    /// instance is detached, and a getifaddrs dump there would block the VRRP thread on the RTNL lock each time.
    private static func sourceAddress(
        for config: VRRPConfig, on interface: NetworkInterface, facts: InterfaceFacts,
        hostAddresses: [String: [IPAddress]]
    ) throws -> IPAddress {
        if let source = config.unicastSource {
            guard config.unicastSourceLocality(hostAddresses: hostAddresses) == .local else {
                throw VRRPServiceError("VRRP instance \(config.name) refused: unicast_source \(source) is not an "
                    + "address of this host; set each node's own address")
            }
            return source
        }
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

    /// Starts every instance on the VRRP thread, in SCHED_RR at `realtimePriority` when one is given
    /// (`[global] vrrp_rt_priority`; a refusal is logged once and the thread runs on in the normal scheduler).
    public func start(realtimePriority: Int? = nil) {
        let thread = Thread { [self] in
            // The kernel's name too (Thread.name stays in Foundation), for `top -H`, ps and chrt -p.
            _ = shim_set_thread_name("pgfloat-vrrp")
            if let realtimePriority, let refused = RealtimeScheduling.enter(priority: realtimePriority) {
                logger.warning("\(RealtimeScheduling.refusal(priority: realtimePriority, errno: refused))")
            }
            self.run()
        }
        thread.name = "pgfloat-vrrp"
        thread.start()
        self.thread = thread
    }

    // MARK: - Inputs, from any thread

    /// A reload's `[[vrrp]]`: each running instance named in `instances` takes its settings in place (see
    /// `VRRPConfig.restartOnlyChanges` for what it cannot take; such an instance keeps running as it was).
    /// `reply` gets, on the VRRP thread, the names of the instances that took their new settings: only the
    /// VRRP thread knows (an instance's running address and state decide), and the caller keeps its view of what
    /// runs from that answer.
    public func reconfigure(_ instances: [VRRPConfig], reply: @escaping @Sendable ([String]) -> Void) {
        mailbox.post(.reconfigure(instances, reply: reply))
    }

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
    /// interval), keeps each VIP until a new master has announced it (at most Master_Down_Interval), so that no
    /// client's SYN reaches a node without it, then ends the thread and calls `done`. The data plane must go on
    /// accepting until then.
    public func stop(_ done: @escaping @Sendable () -> Void) { mailbox.post(.stop(done)) }

    // MARK: - The loop

    private func run() {
        let start = now()
        nextTracking = start
        for driver in drivers {
            driver.start(at: start)
            verifyVIPs(of: driver, at: start)
        }
        while stopping == nil || drivers.contains(where: \.router.isReleasing) {
            // Rebuilt every turn: an instance's socket changes when its interface is recreated, and a closed
            // one is -1, which poll skips.
            var descriptors = [
                pollfd(fd: mailbox.eventFD, events: Int16(POLLIN), revents: 0),
                pollfd(fd: watcher.fileDescriptor, events: Int16(POLLIN), revents: 0),
            ] + drivers.map { pollfd(fd: $0.link?.socket.fileDescriptor ?? -1, events: Int16(POLLIN), revents: 0) }
            let timeout = max(0, min(nextDue().since(now()).milliseconds + 1, 1000))
            let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(timeout))
            let instant = now()
            if ready > 0 {
                if descriptors[0].revents != 0 { for command in mailbox.take() { handle(command, at: instant) } }
                if descriptors[1].revents != 0 { interfacesChanged(at: instant) }
                for (index, driver) in drivers.enumerated() where descriptors[index + 2].revents != 0 {
                    driver.readable(at: instant)
                }
            }
            for driver in drivers { driver.tick(at: instant) }
            if instant >= nextTracking { track(at: instant) }
        }
        logger.info("VRRP stopped")
        stopping?()
    }

    /// Applies rtnetlink notifications: interfaces that went or came back, link states, and VIPs that vanished.
    private func interfacesChanged(at now: MonotonicInstant) {
        let changes = watcher.readable()
        if let failure = changes.failure {
            logger.warning("rtnetlink notifications failed", metadata: ["error": "\(failure)"])
        }
        guard changes.changed else { return }
        reopenInterfaces(at: now)
        track(at: now)
        // Every change: a VIP may have vanished from a master, or appeared on a node that is not master. The
        // model answers, so this costs no kernel call.
        for driver in drivers { verifyVIPs(of: driver, at: now) }
    }

    /// Hands `driver` what the notifications' model shows on its interface.
    private func verifyVIPs(of driver: InstanceDriver, at now: MonotonicInstant) {
        guard let index = driver.link?.interface.index else { return }
        driver.verifyVIPs(present: Set(watcher.addresses[index, default: []].map(\.network)), at: now)
    }

    private func nextDue() -> MonotonicInstant {
        drivers.compactMap(\.nextDue).reduce(nextTracking) { min($0, $1) }
    }

    private func handle(_ command: VRRPCommand, at now: MonotonicInstant) {
        switch command {
        case .reconfigure(let instances, let reply):
            var accepted: [String] = []
            for next in instances {
                guard let driver = drivers.first(where: { $0.name == next.name }) else { continue }
                if driver.reconfigure(next, at: now) {
                    accepted.append(next.name)
                } else {
                    logger.warning("VRRP instance changes on restart only", metadata: ["instance": "\(next.name)"])
                }
            }
            track(at: now)
            reply(accepted)
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
        case .pong(let descriptorsHeld):
            descriptorProblem = descriptorPressure?.problem(dataPlaneHeld: descriptorsHeld)
        case .stop(let done):
            guard stopping == nil else { return }
            stopping = done
            for driver in drivers { driver.shutdown(at: now) }
        }
    }

    /// Looks at the proxy's heartbeat, descriptors and links, and hands each instance what it tracks.
    private func track(at now: MonotonicInstant) {
        // A pass long past its due time means this thread stalled; each instance leaves it uncounted when later
        // than its silence limit (`ProxyHealthTracker`).
        let lateness = now.since(nextTracking)
        nextTracking = now + Self.trackingPeriod
        pings.answered(at: lastPong.get())
        // A pass that some instance leaves uncounted for lateness may follow a stop of the whole process: silence
        // counts only time the data plane could run, from now on.
        if drivers.contains(where: { $0.proxyHealth.skips(lateness: lateness) }) { pings.restart(at: now) }
        if pings.ping(at: now) {
            let lastPong = self.lastPong
            let mailbox = self.mailbox
            heartbeat { descriptorsHeld in
                lastPong.set(MonotonicInstant(nanoseconds: shim_monotonic_ns()))
                mailbox.post(.pong(descriptorsHeld: descriptorsHeld))
            }
        }
        // Each instance applies its own silence limit and rise/fall (`track_proxy_*`).
        let proxy = ProxyObservation(
            silence: pings.silence(at: now), loopLateness: lateness, problem: descriptorProblem)
        for driver in drivers {
            var state = TrackedState(backendsReachable: backendsReachable, scripts: scripts[driver.name] ?? [:])
            for name in driver.policy.interfaces where !linkUsable(name) { state.interfacesDown.insert(name) }
            driver.track(state, proxy: proxy, at: now)
        }
    }

    /// From the notifications' model: no kernel call, so an RTNL lock held by a NIC reset cannot stall adverts.
    private func linkUsable(_ name: String) -> Bool {
        watcher.link(named: name)?.state.isUsable ?? false
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
