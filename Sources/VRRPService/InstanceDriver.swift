import ConfigModel
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
    let interface: NetworkInterface
    /// Changed only by this type and its extensions (InstanceDriver+Reconfigure.swift).
    var router: VirtualRouter
    let socket: AdvertChannel
    private let vips: VirtualAddressControl
    private let announcer: NeighborAnnouncer
    private let logger: Logger
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
    private(set) var verdict = TrackingVerdict()
    private(set) var counters = InstanceCounters()
    private(set) var lastTransition: MonotonicInstant?
    private var lastDiscardLog: [VRRPDiscard: MonotonicInstant] = [:]

    init(
        config: VRRPConfig, settings: VRRPInstanceSettings, interface: NetworkInterface, socket: AdvertChannel,
        vips: VirtualAddressControl, announcer: NeighborAnnouncer, logger: Logger,
        notify: @escaping (VRRPState, VRRPState, UInt8) -> Void
    ) {
        self.config = config
        self.interface = interface
        self.router = VirtualRouter(settings: settings)
        self.socket = socket
        self.vips = vips
        self.announcer = announcer
        self.notify = notify
        var logger = logger
        logger[metadataKey: "instance"] = "\(config.name)"
        self.logger = logger
        self.policy = TrackingPolicy(config: config)
    }

    var name: String { config.name }

    // MARK: - Events

    func start(at now: MonotonicInstant) {
        // A VIP left by a crashed run would answer ARP for a node that is not master.
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
        run(router.start(at: now), at: now)
    }

    func shutdown(at now: MonotonicInstant) {
        run(router.shutdown(at: now), at: now)
    }

    /// Reads every pending datagram; malformed or foreign ones are counted by reason and dropped.
    func readable(at now: MonotonicInstant) {
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
        if case .discarded(let reason) = router.settings.validate(received) {
            discard(reason, from: datagram.source, at: now)
            return
        }
        counters.advertsReceived += 1
        run(router.received(received.packet, from: datagram.source, at: now), at: now)
    }

    private func discard(_ reason: VRRPDiscard, from source: IPAddress, at now: MonotonicInstant) {
        counters.discards[reason.rawValue, default: 0] += 1
        guard reason.isError else { return }
        // One line per reason and minute at most: a flood of bad packets must not become a flood of logs.
        if let last = lastDiscardLog[reason], now.since(last) < .seconds(60) { return }
        lastDiscardLog[reason] = now
        logger.warning(
            "VRRP packet dropped", metadata: [
                "reason": "\(reason.rawValue)", "from": "\(source)",
                "count": "\(counters.discards[reason.rawValue] ?? 0)",
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
        if let due = refreshDue, due <= now, router.announcesAddresses {
            announce(config.virtualAddresses.map(\.address))
            refreshDue = now + config.garpMasterRefresh
        }
    }

    /// The earliest instant something is due.
    var nextDue: MonotonicInstant? {
        let candidates = timers.values.map(\.due) + [refreshDue, followUpDue].compactMap { $0 }
        return candidates.min()
    }

    /// Applies a new tracking state: FAULT or a priority adjustment, as the policy says.
    func track(_ state: TrackedState, at now: MonotonicInstant) {
        tracked = state
        let next = policy.evaluate(state)
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
        router.setPriorityAdjustment(next.adjustment)
        run(router.setFault(next.isFault, at: now), at: now)
    }

    /// The operator's `set vrrp NAME state backup|auto`.
    func administer(backup: Bool, at now: MonotonicInstant) {
        run(backup ? router.handover(at: now) : router.resume(at: now), at: now)
    }

    // MARK: - Actions

    func run(_ actions: [VRRPAction], at now: MonotonicInstant) {
        for action in actions { perform(action, at: now) }
    }

    private func perform(_ action: VRRPAction, at now: MonotonicInstant) {
        switch action {
        case .sendAdvert(let priority):
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
                do {
                    _ = try vips.add(network, to: interface, label: config.virtualAddressLabel)
                } catch {
                    logger.error("cannot add VIP", metadata: ["vip": "\(network)", "error": "\(error)"])
                }
            }
        case .removeVIPs(let networks):
            for network in networks {
                do {
                    _ = try vips.remove(network, from: interface)
                } catch {
                    logger.error("cannot remove VIP", metadata: ["vip": "\(network)", "error": "\(error)"])
                }
            }
        case .sendGratuitous(let addresses):
            announce(addresses)
            if refreshDue == nil { followUpDue = now + Self.followUpDelay }
            refreshDue = config.garpMasterRefresh > .zero ? now + config.garpMasterRefresh : nil
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

    /// keepalived's `garp_master_repeat`: several frames at once, since any one may be lost.
    private func announce(_ addresses: [IPAddress]) {
        for address in addresses {
            for _ in 0..<config.garpMasterRepeat {
                do {
                    try announcer.announce(address)
                } catch {
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
    /// Dropped packets by `VRRPDiscard` label.
    var discards: [String: Int] = [:]
}
