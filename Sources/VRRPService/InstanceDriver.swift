import ConfigModel
import Glibc
import Logging
import MonotonicTime
import NetTypes
import VRRPCore
import VRRPIO

/// One `[[vrrp]]` instance on the VRRP thread: carries out what its `VirtualRouter` decides and feeds it what the
/// socket, the timers and the tracking say.
///
/// Contract: created, driven and dropped on the VRRP thread only; nothing here blocks (notify hooks run on the
/// script runner's own thread).
final class InstanceDriver {
    /// Replaced by `reconfigure` on reload.
    var config: VRRPConfig
    /// Changed only by this type and its extensions (InstanceDriver+Reconfigure.swift).
    var router: VirtualRouter
    /// The interface as opened now; nil while it is missing or unusable, and the instance is in FAULT.
    private(set) var link: InstanceLink?
    private let vips: VirtualAddressControl
    let logger: Logger
    private let notify: (VRRPState, VRRPState, UInt8) -> Void
    var policy: TrackingPolicy

    /// Pending timer of each kind and when it is due; a replaced or stale one is simply not found.
    private var timers: [VRRPTimer.Kind: (timer: VRRPTimer, due: MonotonicInstant)] = [:]
    /// When the VIPs are next announced again while master (`garp_master_refresh`).
    private var refreshDue: MonotonicInstant?
    /// A follow-up burst one second after becoming master: Linux ignores an ARP update to a neighbour entry
    /// changed within the last second (`locktime`), so a burst landing just after a client's last exchange with
    /// the old master would otherwise wait for `garp_master_delay` (measured: 5.3 s outages instead of 0.35 s).
    private var followUpDue: MonotonicInstant?
    static let followUpDelay = Duration.milliseconds(1100)
    var tracked = TrackedState()
    /// `track_proxy` rise/fall over what `VRRPService` observes of the proxy.
    var proxyHealth: ProxyHealthTracker
    private(set) var verdict = TrackingVerdict()
    private(set) var counters = InstanceCounters()
    private(set) var lastTransition: MonotonicInstant?
    private var lastDiscardLog: [VRRPDiscard: MonotonicInstant] = [:]
    private var lastAddressMismatchLog: MonotonicInstant?
    /// At most one log line per discard reason, or for differing VIP lists, in this interval.
    static let problemLogInterval = Duration.seconds(60)
    /// Why the instance's own I/O holds it in FAULT, besides tracking: its interface, or a VIP it cannot add.
    private var interfaceProblem: String?
    private var vipProblem: String?
    /// When a VIP that could not be added is tried again.
    private var vipRetryDue: MonotonicInstant?
    static let vipRetryInterval = Duration.seconds(1)
    /// VIPs (as found on the interface) whose removal failed, and when they are tried again: a node that is not
    /// master must not go on answering ARP for them.
    private var unremovedVIPs: Set<IPNetwork> = []
    private var vipRemovalDue: MonotonicInstant?
    /// Set when an action changed a fault reason; applied once the current batch of actions is done, so that a
    /// batch (becoming master) is never cut in half by the fault it causes.
    private var verdictStale = false

    /// - Parameter link: the opened interface; nil starts the instance in FAULT until `attach`.
    init(
        config: VRRPConfig, settings: VRRPInstanceSettings, link: InstanceLink?, vips: VirtualAddressControl,
        logger: Logger, notify: @escaping (VRRPState, VRRPState, UInt8) -> Void
    ) {
        self.config = config
        self.router = VirtualRouter(settings: settings)
        self.link = link
        self.vips = vips
        self.notify = notify
        var logger = logger
        logger[metadataKey: "instance"] = "\(config.name)"
        self.logger = logger
        self.policy = TrackingPolicy(config: config)
        self.proxyHealth = ProxyHealthTracker(config: config)
        if link == nil { interfaceProblem = "interface \(config.interface) not opened yet" }
        verdict = currentVerdict()
        _ = router.setPriorityAdjustment(verdict.adjustment, at: MonotonicInstant(nanoseconds: 0))
        _ = router.setFault(verdict.isFault, at: MonotonicInstant(nanoseconds: 0))
    }

    var name: String { config.name }

    // MARK: - Events

    func start(at now: MonotonicInstant) {
        if let link { removeStaleVIPs(from: link.interface) }
        run(router.start(at: now), at: now)
    }

    /// A VIP left by a crashed run (or on a recreated interface) would answer ARP for a node that is not master.
    private func removeStaleVIPs(from interface: NetworkInterface) {
        for vip in config.virtualAddresses {
            do {
                let removed = try vips.removeStale(vip.address, from: interface)
                if !removed.isEmpty {
                    logger.notice("removed a stale VIP left by an earlier run", metadata: ["vip": "\(vip)"])
                }
            } catch {
                logger.error("cannot clean a stale VIP", metadata: ["vip": "\(vip)", "error": "\(error)"])
            }
        }
    }

    func shutdown(at now: MonotonicInstant) {
        run(router.shutdown(at: now), at: now)
    }

    /// Reads every pending datagram; malformed or foreign ones are counted by reason and dropped.
    func readable(at now: MonotonicInstant) {
        guard let socket = link?.socket else { return }
        for _ in 0..<64 {
            let datagram: VRRPDatagram?
            do {
                datagram = try socket.receive()
            } catch {
                logger.warning("VRRP receive failed", metadata: ["error": "\(error)"])
                return
            }
            guard let datagram else { return }
            receive(datagram, at: now)
        }
    }

    private func receive(_ datagram: VRRPDatagram, at now: MonotonicInstant) {
        let unicast = !datagram.destination.isMulticast
        let decoded = VRRPPacket.decode(
            datagram.payload, source: datagram.source, destination: datagram.destination,
            hopLimit: UInt8(clamping: datagram.ttl), arrivedByUnicast: unicast)
        let received: VRRPReceivedPacket
        switch decoded {
        case .failure(let reason):
            discard(reason, from: datagram.source, at: now)
            return
        case .success(let packet):
            received = packet
        }
        switch router.settings.validate(received) {
        case .discarded(let reason):
            discard(reason, from: datagram.source, at: now, packet: received.packet)
            return
        case .acceptedWithOtherAddresses:
            otherAddressesHeard(received.packet, from: datagram.source, at: now)
        case .accepted:
            break
        }
        counters.advertsReceived += 1
        run(router.received(received.packet, from: datagram.source, at: now), at: now)
    }

    private func discard(
        _ reason: VRRPDiscard, from source: IPAddress, at now: MonotonicInstant, packet: VRRPPacket? = nil
    ) {
        counters.discards[reason.rawValue, default: 0] += 1
        guard reason.isError else { return }
        // One line per reason and minute at most: a flood of bad packets must not become a flood of logs.
        if let last = lastDiscardLog[reason], now.since(last) < Self.problemLogInterval { return }
        lastDiscardLog[reason] = now
        let metadata: Logger.Metadata = [
            "reason": "\(reason.rawValue)", "from": "\(source)",
            "count": "\(counters.discards[reason.rawValue] ?? 0)",
        ]
        guard reason == .intervalMismatch, case .v2(let seconds, _) = packet?.format else {
            return logger.warning("VRRP packet dropped", metadata: metadata)
        }
        // RFC 3768 7.1 makes this a MUST-discard, so this node and that peer each ignore the other: the usual
        // outcome is two masters until every node has the same advert_interval. Say so plainly.
        logger.error(
            """
            VRRPv2 peer advertises another advert_interval; its adverts are ignored (RFC 3768) and two masters \
            may result: set the same advert_interval on every node
            """,
            metadata: metadata.merging(
                ["theirs": "\(seconds)s", "ours": "\(router.settings.advertInterval)"], uniquingKeysWith: { $1 }))
    }

    /// A VRRPv3 peer names other VIPs (a rolling reload half done, or a mistake): heard anyway, counted, and
    /// warned about once per `problemLogInterval`.
    private func otherAddressesHeard(_ packet: VRRPPacket, from source: IPAddress, at now: MonotonicInstant) {
        counters.addressListMismatchesAccepted += 1
        if let last = lastAddressMismatchLog, now.since(last) < Self.problemLogInterval { return }
        lastAddressMismatchLog = now
        logger.warning(
            "VRRP peer's VIP list differs from this node's; its adverts are still heard", metadata: [
                "from": "\(source)", "theirs": "\(packet.addresses.map(\.description).joined(separator: ","))",
                "ours": "\(config.virtualAddresses.map(\.address.description).joined(separator: ","))",
                "count": "\(counters.addressListMismatchesAccepted)",
            ])
    }

    /// Fires due timers and the periodic re-announcement.
    ///
    /// Due timers fire in deadline order, and each is cleared only if it is still the pending one of its kind:
    /// firing one (a backup's master-down) can arm another kind (the new master's advert timer) that a stale
    /// entry of the snapshot must not delete, or the master never advertises again.
    func tick(at now: MonotonicInstant) {
        let due = timers.values.filter { $0.due <= now }.sorted { $0.due < $1.due }
        for pending in due where timers[pending.timer.kind]?.timer == pending.timer {
            timers[pending.timer.kind] = nil
            run(router.timerFired(pending.timer, at: now), at: now)
        }
        if let due = followUpDue, due <= now {
            followUpDue = nil
            if router.announcesAddresses { announce(config.virtualAddresses.map(\.address)) }
        }
        if let due = refreshDue, due <= now {
            // Moved on even while releasing, when nothing is announced: a due instant left in the past makes
            // every poll of the VRRP thread time out at once until the release ends.
            if router.announcesAddresses { announce(config.virtualAddresses.map(\.address)) }
            refreshDue = config.garpMasterRefresh > .zero ? now + config.garpMasterRefresh : nil
        }
        if let due = vipRetryDue, due <= now { retryVIPs(at: now) }
        if let due = vipRemovalDue, due <= now {
            // A master holds its configured VIPs again: those are no longer to remove.
            if router.state == .master { unremovedVIPs.subtract(config.virtualAddresses) }
            removeVIPs(Array(unremovedVIPs), at: now)
        }
    }

    /// The earliest instant something is due.
    var nextDue: MonotonicInstant? {
        let candidates = timers.values.map(\.due)
            + [refreshDue, followUpDue, vipRetryDue, vipRemovalDue].compactMap { $0 }
        return candidates.min()
    }

    /// Applies a new tracking state after passing what was seen of the proxy through `track_proxy` rise/fall.
    func track(_ state: TrackedState, proxy: ProxyObservation, at now: MonotonicInstant) {
        var state = state
        state.proxyProblem = proxyHealth.observe(proxy, at: now)
        track(state, at: now)
    }

    /// Applies a new tracking state: FAULT or a priority adjustment, as the policy says.
    func track(_ state: TrackedState, at now: MonotonicInstant) {
        tracked = state
        applyVerdict(at: now)
    }

    /// The tracking verdict with the instance's own fault reasons first.
    private func currentVerdict() -> TrackingVerdict {
        var next = policy.evaluate(tracked)
        next.faultReasons = [interfaceProblem, vipProblem].compactMap { $0 } + next.faultReasons
        return next
    }

    private func applyVerdict(at now: MonotonicInstant) {
        verdictStale = false
        let next = currentVerdict()
        guard next != verdict else { return }
        if next.faultReasons != verdict.faultReasons || next.adjustmentReasons != verdict.adjustmentReasons {
            logger.notice(
                "VRRP tracking changed",
                metadata: [
                    "fault": "\(next.faultReasons.joined(separator: "; "))",
                    "adjustment": "\(next.adjustment)",
                    "why": "\(next.adjustmentReasons.joined(separator: "; "))",
                ])
        }
        verdict = next
        run(router.setPriorityAdjustment(next.adjustment, at: now), at: now)
        run(router.setFault(next.isFault, at: now), at: now)
    }

    // MARK: - Interface and addresses

    /// The interface is (back) open: leaves the FAULT its absence caused. A new source address (a recreated
    /// interface may have another) starts the election over with it, as a restart would.
    func attach(_ link: InstanceLink, at now: MonotonicInstant) {
        self.link = link
        if link.socket.source != router.settings.primaryAddress {
            var settings = router.settings
            settings.primaryAddress = link.socket.source
            let old = router
            router = VirtualRouter(settings: settings)
            _ = router.setPriorityAdjustment(old.priorityAdjustment, at: now)
            if old.administrativeMode == .backup { _ = router.handover(at: now) }
            // The old router is in FAULT (or not started): the new one takes its place there, silently.
            _ = router.setFault(true, at: now)
            if old.state != .initialize { _ = router.start(at: now) }
            // A stopping instance stays stopped on the new socket too (its FAULT becomes INIT, silently).
            if old.isStopping { _ = router.shutdown(at: now) }
            timers = [:]
        }
        removeStaleVIPs(from: link.interface)
        interfaceProblem = nil
        logger.notice("VRRP interface opened", metadata: [
            "interface": "\(link.interface)", "index": "\(link.interface.index)", "source": "\(link.socket.source)",
        ])
        applyVerdict(at: now)
    }

    /// The interface is gone or unusable (`problem` says how): FAULT, with a priority-0 advert while the old
    /// socket can still send one, then the socket and announcer are dropped.
    func detach(_ problem: String, at now: MonotonicInstant) {
        guard interfaceProblem != problem else { return }
        interfaceProblem = problem
        applyVerdict(at: now)
        if link != nil { logger.warning("VRRP interface closed", metadata: ["why": "\(problem)"]) }
        link = nil
    }

    /// The instance's interface changed (`present` is what it holds now): a master puts back any of its VIPs that
    /// is missing and announces it at once, and one it cannot put back sends it to FAULT so that a peer takes over;
    /// any other state removes its VIPs found there (an operator's `ip addr add`, a removal that failed, a stale
    /// one the start-up cleanup's address dump missed), whatever their prefix.
    func verifyVIPs(present: Set<IPNetwork>, at now: MonotonicInstant) {
        guard link != nil else { return }
        guard router.state == .master else {
            let stray = present.filter { found in config.virtualAddresses.contains { $0.address == found.address } }
            guard !stray.isEmpty else { return }
            // The model can lag the driver's own removal by a notification or two: only a VIP that was still
            // there is worth a warning.
            let removed = removeVIPs(Array(stray), at: now)
            if !removed.isEmpty {
                logger.warning("VIP found on a node that is not master; removed it", metadata: [
                    "vips": "\(removed.map(\.description).sorted().joined(separator: ","))",
                    "state": "\(router.state)",
                ])
            }
            return
        }
        for network in config.virtualAddresses where !present.contains(network) {
            switch addVIP(network) {
            case .success(false):
                continue
            case .success(true):
                counters.vipsRestored += 1
                logger.warning("VIP vanished while master; added back", metadata: [
                    "vip": "\(network)", "restored": "\(counters.vipsRestored)",
                ])
                // A releasing master keeps serving through the VIP but must not pull clients back to itself.
                if router.announcesAddresses { announce([network.address]) }
            case .failure(let error):
                vipNotAdded(network, error, at: now)
            }
        }
        if verdictStale { applyVerdict(at: now) }
    }

    private func addVIP(_ network: IPNetwork) -> Result<Bool, Error> {
        guard let interface = link?.interface else {
            return .failure(VRRPServiceError("interface \(config.interface) is not open"))
        }
        return Result { try vips.add(network, to: interface, label: config.virtualAddressLabel) }
    }

    /// A master without its VIP serves nobody: FAULT, retried every `vipRetryInterval`.
    private func vipNotAdded(_ network: IPNetwork, _ error: Error, at now: MonotonicInstant) {
        logger.error("cannot add VIP; going to FAULT", metadata: ["vip": "\(network)", "error": "\(error)"])
        vipProblem = "VIP \(network) cannot be added: \(error)"
        vipRetryDue = now + Self.vipRetryInterval
        verdictStale = true
    }

    /// Tries adding the VIPs again while in FAULT for them. The addresses are removed again at once (a FAULT node
    /// must not hold them); it is the add that had failed, and its success ends the fault, after which the
    /// election decides who adds them for real.
    private func retryVIPs(at now: MonotonicInstant) {
        vipRetryDue = nil
        guard vipProblem != nil else { return }
        guard link != nil else {
            vipRetryDue = now + Self.vipRetryInterval
            return
        }
        for network in config.virtualAddresses {
            switch addVIP(network) {
            case .success(let added):
                if added, router.state != .master { removeVIPs([network], at: now) }
            case .failure(let error):
                vipProblem = "VIP \(network) cannot be added: \(error)"
                vipRetryDue = now + Self.vipRetryInterval
                return
            }
        }
        logger.notice("VIPs can be added again; leaving FAULT")
        vipProblem = nil
        applyVerdict(at: now)
    }

    /// The operator's `set vrrp NAME state backup|auto`.
    func administer(backup: Bool, at now: MonotonicInstant) {
        run(backup ? router.handover(at: now) : router.resume(at: now), at: now)
    }

    // MARK: - Actions

    func run(_ actions: [VRRPAction], at now: MonotonicInstant) {
        for action in actions { perform(action, at: now) }
        if verdictStale { applyVerdict(at: now) }
    }

    private func perform(_ action: VRRPAction, at now: MonotonicInstant) {
        switch action {
        case .sendAdvert(let priority):
            // A VIP add of this batch failed: the node resigns (FAULT) once the batch is done, and a master's
            // advert now would make a releasing master let go of the addresses nobody else holds yet.
            guard priority == 0 || !verdictStale else { return }
            guard let socket = link?.socket else { return }
            let packet = router.settings.advertisement(priority: priority)
            do {
                try socket.sendToEachDestination { destination in
                    packet.encode(
                        source: socket.source, destination: destination,
                        v3ChecksumAsV2: router.settings.v3ChecksumAsV2)
                }
                counters.advertsSent += 1
            } catch {
                counters.sendErrors += 1
                logger.warning("VRRP advert not sent", metadata: ["error": "\(error)"])
            }
        case .addVIPs(let networks):
            for network in networks {
                if case .failure(let error) = addVIP(network) { vipNotAdded(network, error, at: now) }
            }
        case .removeVIPs(let networks):
            removeVIPs(networks, at: now)
        case .sendGratuitous(let addresses):
            // A VIP add of this batch failed: the node goes to FAULT once the batch is done, and an announcement
            // now would pull clients to a node that does not (or will not) hold the VIP.
            guard !verdictStale else { return }
            announce(addresses)
            if refreshDue == nil { followUpDue = now + Self.followUpDelay }
            refreshDue = config.garpMasterRefresh > .zero ? now + config.garpMasterRefresh : nil
        case .reannounce(let addresses, let frames):
            announce(addresses, frames: frames)
        case .armTimer(let timer, let due):
            timers[timer.kind] = (timer, due)
        case .stateChanged(let from, let to, let why):
            counters.transitions += 1
            lastTransition = now
            if to != .master {
                refreshDue = nil
                followUpDue = nil
            }
            let metadata: Logger.Metadata = [
                "from": "\(from)", "to": "\(to)", "why": "\(why.rawValue)",
                "priority": "\(router.effectivePriority)",
            ]
            if to == .fault { logger.warning("VRRP state", metadata: metadata) } else {
                logger.notice("VRRP state", metadata: metadata)
            }
            notify(from, to, router.effectivePriority)
        }
    }

    /// Removes `networks`; each that fails is said as an error and tried again every `vipRetryInterval` until it
    /// goes. Without the interface there is nothing to remove from (attaching again cleans stale VIPs).
    /// Returns those that were there and went.
    @discardableResult
    private func removeVIPs(_ networks: [IPNetwork], at now: MonotonicInstant) -> [IPNetwork] {
        guard let interface = link?.interface else {
            unremovedVIPs = []
            vipRemovalDue = nil
            return []
        }
        var removed: [IPNetwork] = []
        for network in networks {
            do {
                if try vips.remove(network, from: interface) { removed.append(network) }
                unremovedVIPs.remove(network)
            } catch {
                logger.error("cannot remove VIP", metadata: ["vip": "\(network)", "error": "\(error)"])
                unremovedVIPs.insert(network)
            }
        }
        vipRemovalDue = unremovedVIPs.isEmpty ? nil : now + Self.vipRetryInterval
        return removed
    }

    /// keepalived's `garp_master_repeat` (or `frames`): several frames at once, since any one may be lost.
    private func announce(_ addresses: [IPAddress], frames: Int? = nil) {
        guard let announcer = link?.announcer else { return }
        for address in addresses {
            let burst = frames ?? config.garpMasterRepeat
            for frame in 0..<burst {
                do {
                    try announcer.announce(address)
                } catch {
                    // EAGAIN: the device queue is full (a throttling qdisc, a stalled NIC); the rest of the burst
                    // is given up rather than waited for, and counted so that `show vrrp` tells.
                    if (error as? SocketError)?.code == EAGAIN { counters.gratuitousFramesDropped += burst - frame }
                    logger.warning(
                        "gratuitous announcement failed", metadata: ["vip": "\(address)", "error": "\(error)"])
                    break
                }
            }
        }
    }
}

/// What an instance counted since start.
struct InstanceCounters {
    var advertsSent = 0
    var advertsReceived = 0
    var sendErrors = 0
    var transitions = 0
    /// VIPs that vanished while master and were added back.
    var vipsRestored = 0
    /// VRRPv3 adverts accepted although they named other VIPs than this instance's.
    var addressListMismatchesAccepted = 0
    /// Gratuitous ARP / unsolicited NA frames not sent because the packet socket said EAGAIN.
    var gratuitousFramesDropped = 0
    /// Dropped packets by `VRRPDiscard` label.
    var discards: [String: Int] = [:]
}

/// An instance's interface as opened: its index, the advert socket and the announcer, all of one incarnation of
/// the interface. A recreated interface (new index) needs a new one.
struct InstanceLink {
    let interface: NetworkInterface
    let socket: AdvertChannel
    let announcer: NeighborAnnouncer
}
