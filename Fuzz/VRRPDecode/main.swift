// vrrp-decode: hostile adverts through the whole receive path, as VRRPService runs it: `VRRPPacket.decode`, then
// `VRRPInstanceSettings.validate`, then `VirtualRouter.received` for what validation accepts, mixed with timers,
// faults and operator commands so that the election sees hostile input in every state.
//
// Input: an instance byte, a priority byte (0 keeps the instance's), then events until the input ends:
//   op % 8 in 0...3  a packet: flags, length, payload (see `receivePacket`)
//   op % 8 == 4      advance the clock by a fuzzed amount, firing the timers that fall due, in deadline order
//   op % 8 == 5      fire the earliest pending timer
//   op % 8 == 6      fire a timer that was already fired or replaced: the router must ignore it
//   op % 8 == 7      a link or operator event: fault on/off, handover, resume, shutdown, start, tracking weight
//
// Beyond "no trap", it checks the contracts the driver relies on: a decoded advert re-encodes to itself, the
// actions are consistent (state changes chain, addresses are added once and removed once, held exactly while
// master), timers are armed only in the state that uses them, stale firings do nothing, and at the end a backup
// that hears nothing more becomes master while a master keeps advertising.

import MonotonicTime
import NetTypes
import VRRPCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVRRPDecode(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    var settings = instances[Int(input.byte()) % instances.count]
    let priority = input.byte()
    if priority != 0 { settings.priority = priority }
    fuzzCheck(settings.problems.isEmpty, "fixture settings have problems: \(settings.problems)")

    var driver = Driver(settings: settings)
    driver.perform { $0.start(at: $1) }
    while !input.isAtEnd {
        let op = input.byte()
        switch op % 8 {
        case 0...3: driver.receivePacket(&input)
        case 4: driver.advance(by: .milliseconds(Int(input.byte()) * Int(input.byte() | 1)))
        case 5: driver.fireEarliest()
        case 6: driver.fireStale(index: Int(input.byte()))
        default: driver.linkOrOperatorEvent(&input)
        }
    }
    driver.checkLiveness()
    return 0
}

/// The instances the fuzzer runs, one per input: each version and family, with and without authentication,
/// preempt delay and gratuitous repeat.
let instances: [VRRPInstanceSettings] = [
    VRRPInstanceSettings(
        name: "V2", vrid: 51, virtualAddresses: [network("10.0.0.100/24")], primaryAddress: address("10.0.0.1")),
    VRRPInstanceSettings(
        name: "V2_AUTH", vrid: 51, priority: 150, advertInterval: .seconds(3), preemptDelay: .seconds(5),
        virtualAddresses: [network("10.0.0.100/24"), network("10.0.0.101/24")], authentication: "pgfloat",
        primaryAddress: address("10.0.0.1")),
    VRRPInstanceSettings(
        name: "V3", vrid: 51, version: .v3, virtualAddresses: [network("10.0.0.100/24")], unicastTTLCheck: true,
        primaryAddress: address("10.0.0.1")),
    VRRPInstanceSettings(
        name: "V3_V6", vrid: 7, priority: 200, advertInterval: .milliseconds(100), version: .v3,
        virtualAddresses: [network("2001:db8::100/64"), network("fe80::100/64")], primaryAddress: address("fe80::1"),
        gratuitousRepeatDelay: .zero),
    VRRPInstanceSettings(
        name: "V3_NOPREEMPT", vrid: 200, priority: 90, advertInterval: .milliseconds(20), version: .v3,
        preempt: false, virtualAddresses: [network("10.0.0.100/32")], v3ChecksumAsV2: true,
        primaryAddress: address("10.0.0.1")),
]

/// The peers an advert may come from: below, above and equal to our primary address, per family.
let peers: [IPAddress.Family: [IPAddress]] = [
    .v4: [address("10.0.0.0"), address("10.0.0.2")],
    .v6: [address("fe80::"), address("fe80::2")],
]

func address(_ text: String) -> IPAddress {
    guard let value = IPAddress(text) else { fatalError("bad fixture address \(text)") }
    return value
}

func network(_ text: String) -> IPNetwork {
    guard let value = IPNetwork(text) else { fatalError("bad fixture network \(text)") }
    return value
}

/// What VRRPService does around a `VirtualRouter`: keeps one pending timer per kind, performs actions, and here
/// also checks them.
struct Driver {
    var router: VirtualRouter
    var now = MonotonicInstant(nanoseconds: 1_000_000_000_000)
    /// The last arming of each kind and its deadline, as the driver keeps them.
    var pending: [VRRPTimer.Kind: (timer: VRRPTimer, deadline: MonotonicInstant)] = [:]
    /// Timers that already fired or were replaced: firing them again must do nothing.
    var retired: [VRRPTimer] = []
    /// Whether the virtual addresses are configured, by the actions performed so far.
    var holdsAddresses = false
    /// The state by the `stateChanged` actions performed so far.
    var reportedState = VRRPState.initialize

    init(settings: VRRPInstanceSettings) {
        router = VirtualRouter(settings: settings)
    }

    var settings: VRRPInstanceSettings { router.settings }

    // MARK: Events

    /// A packet event: flags, payload length, payload.
    ///
    /// Flags: bit 0 sends from the other family, bit 1 makes the destination's family differ from the source's,
    /// bits 2-3 pick the source (lower peer, higher peer, our own address, or read from the input), bit 4 sends by
    /// unicast, bit 5 reads the TTL from the input (else 255), bit 6 writes a correct checksum (under a coverage
    /// read from the input) so that hostile fields get past the checksum to validation and the election.
    mutating func receivePacket(_ input: inout FuzzInput) {
        let flags = input.byte()
        let ours = settings.family
        let family: IPAddress.Family = flags & 1 == 0 ? ours : (ours == .v4 ? .v6 : .v4)
        let source: IPAddress
        switch (flags >> 2) & 3 {
        case 0: source = peers[family]![0]
        case 1: source = peers[family]![1]
        case 2: source = family == ours ? settings.primaryAddress : peers[family]![0]
        default:
            let length = family == .v4 ? 4 : 16
            let raw = input.bytes(length)
            source = IPAddress(bytes: raw + [UInt8](repeating: 0, count: length - raw.count)) ?? peers[family]![0]
        }
        let destinationFamily: IPAddress.Family = flags & 2 == 0 ? family : (family == .v4 ? .v6 : .v4)
        let unicast = flags & 0x10 != 0
        let destination =
            unicast
            ? (destinationFamily == ours ? settings.primaryAddress : peers[destinationFamily]![1])
            : VRRPPacket.multicastGroup(for: destinationFamily)
        let hopLimit = flags & 0x20 != 0 ? input.byte() : VRRPPacket.requiredHopLimit
        let coverage = flags & 0x40 != 0 ? Int(input.byte()) % 3 : nil
        var payload = input.bytes(Int(input.byte()))
        if let coverage {
            fixChecksum(&payload, coverage: coverage, source: source, destination: destination)
        }

        let decoded = VRRPPacket.decode(
            payload, source: source, destination: destination, hopLimit: hopLimit, arrivedByUnicast: unicast)
        guard case .success(let received) = decoded else { return }
        checkDecoded(received, payload: payload)
        guard settings.validate(received) == .accepted else { return }
        fuzzCheck(received.packet.vrid == settings.vrid, "accepted an advert for VRID \(received.packet.vrid)")
        perform { $0.received(received.packet, from: received.source, at: $1) }
    }

    mutating func advance(by duration: Duration) {
        now = now + duration
        while let due = pending.values.min(by: { $0.deadline < $1.deadline }), due.deadline <= now {
            fire(due.timer)
        }
    }

    mutating func fireEarliest() {
        guard let earliest = pending.values.min(by: { $0.deadline < $1.deadline }) else { return }
        if earliest.deadline > now { now = earliest.deadline }
        fire(earliest.timer)
    }

    mutating func fireStale(index: Int) {
        guard !retired.isEmpty else { return }
        let timer = retired[index % retired.count]
        let actions = router.timerFired(timer, at: now)
        fuzzCheck(actions.isEmpty, "a stale \(timer.kind) timer did \(actions)")
    }

    mutating func linkOrOperatorEvent(_ input: inout FuzzInput) {
        switch input.byte() % 7 {
        case 0: perform { $0.setFault(true, at: $1) }
        case 1: perform { $0.setFault(false, at: $1) }
        case 2: perform { $0.handover(at: $1) }
        case 3: perform { $0.resume(at: $1) }
        case 4: perform { $0.shutdown(at: $1) }
        case 5: perform { $0.start(at: $1) }
        default:
            // Tracking weights are -253...253 each (ConfigModel); a few of them add up.
            let adjustment = Int(Int8(bitPattern: input.byte())) * 4
            perform { $0.setPriorityAdjustment(adjustment, at: $1) }
        }
    }

    /// The end of the input: with no more adverts, a backup left to the election must take over, and a master must
    /// keep advertising.
    func checkLiveness() {
        var copy = self
        let before = copy.router.state
        let electing = before == .backup && copy.router.administrativeMode == .automatic
        let releasing = copy.router.isReleasing
        var advertised = false
        for _ in 0..<8 {
            guard let earliest = copy.pending.values.min(by: { $0.deadline < $1.deadline }) else { break }
            if earliest.deadline > copy.now { copy.now = earliest.deadline }
            let actions = copy.fire(earliest.timer)
            advertised = advertised || actions.contains { action in
                if case .sendAdvert = action { return true }
                return false
            }
            if electing && copy.router.state == .master { break }
        }
        if electing {
            fuzzCheck(copy.router.state == .master, "a backup with no master in sight stays \(copy.router.state)")
        }
        if before == .master && !releasing {
            fuzzCheck(advertised && copy.router.state == .master, "a master alone stopped advertising")
        }
        if releasing {
            // A resigning master advertises priority 0 until it lets go (after Master_Down_Interval at most).
            fuzzCheck(advertised || copy.router.state != .master, "a releasing master neither advertised nor let go")
        }
    }

    // MARK: Performing and checking actions

    @discardableResult
    private mutating func fire(_ timer: VRRPTimer) -> [VRRPAction] {
        pending[timer.kind] = nil
        retire(timer)
        return perform { $0.timerFired(timer, at: $1) }
    }

    private mutating func retire(_ timer: VRRPTimer) {
        retired.append(timer)
        if retired.count > 16 { retired.removeFirst() }
    }

    @discardableResult
    mutating func perform(_ event: (inout VirtualRouter, MonotonicInstant) -> [VRRPAction]) -> [VRRPAction] {
        let actions = event(&router, now)
        var armed: [VRRPTimer.Kind] = []
        for action in actions {
            switch action {
            case .armTimer(let timer, let deadline):
                // A priority change re-arms Master_Down_Timer counted from when it started (as keepalived rescales
                // it), so a backup whose priority rose may be due already: the driver fires it at once.
                fuzzCheck(deadline >= now || timer.kind == .masterDown, "\(timer.kind) armed in the past")
                if let replaced = pending[timer.kind] { retire(replaced.timer) }
                pending[timer.kind] = (timer, deadline)
                armed.append(timer.kind)
            case .addVIPs(let networks):
                fuzzCheck(!holdsAddresses, "addresses added twice")
                fuzzCheck(networks == settings.virtualAddresses, "added \(networks)")
                holdsAddresses = true
            case .removeVIPs(let networks):
                fuzzCheck(holdsAddresses, "addresses removed while not held")
                fuzzCheck(networks == settings.virtualAddresses, "removed \(networks)")
                holdsAddresses = false
            case .sendGratuitous(let addresses), .reannounce(let addresses, _):
                fuzzCheck(holdsAddresses, "gratuitous ARP for addresses not held")
                fuzzCheck(addresses == settings.virtualAddresses.map(\.address), "announced \(addresses)")
            case .sendAdvert(let priority):
                if priority != 0 {
                    fuzzCheck(priority == router.effectivePriority, "advert at \(priority)")
                    fuzzCheck(router.state == .master, "advert at \(priority) in \(router.state)")
                }
            case .stateChanged(let from, let to, _):
                fuzzCheck(from == reportedState && from != to, "state change \(from) -> \(to) from \(reportedState)")
                reportedState = to
            }
        }
        fuzzCheck(reportedState == router.state, "actions say \(reportedState), router is \(router.state)")
        fuzzCheck(holdsAddresses == (router.state == .master), "addresses held: \(holdsAddresses) in \(router.state)")
        for kind in armed {
            switch kind {
            case .advert, .gratuitousRepeat, .lowerPriorityGratuitous, .release:
                fuzzCheck(router.state == .master, "\(kind) armed in \(router.state)")
            case .masterDown:
                fuzzCheck(
                    router.state == .backup && router.administrativeMode == .automatic,
                    "master-down armed in \(router.state), \(router.administrativeMode)")
            }
        }
        return actions
    }

    /// Decoding is syntax only: whatever it returns re-encodes to an advert that decodes to the same fields.
    private func checkDecoded(_ received: VRRPReceivedPacket, payload: [UInt8]) {
        let packet = received.packet
        fuzzCheck(packet.addresses.count == Int(payload[3]), "address count")
        fuzzCheck(packet.addresses.allSatisfy { $0.family == received.source.family }, "address family")
        fuzzCheck(packet.version.rawValue == payload[0] >> 4, "version")
        let encoded = packet.encode(
            source: received.source, destination: received.destination,
            v3ChecksumAsV2: received.checksumCoverage == .messageOnly)
        let again = VRRPPacket.decode(
            encoded, source: received.source, destination: received.destination, hopLimit: received.hopLimit,
            arrivedByUnicast: received.arrivedByUnicast)
        guard case .success(let reread) = again else {
            fatalError("fuzz invariant: re-encoded advert fails to decode: \(again)")
        }
        fuzzCheck(reread.packet == packet, "round trip \(packet) -> \(reread.packet)")
    }

    /// Writes the checksum a sender would have written, over the length the header declares.
    private func fixChecksum(_ payload: inout [UInt8], coverage: Int, source: IPAddress, destination: IPAddress) {
        guard payload.count >= 8 else { return }
        let addressLength = source.family == .v4 ? 4 : 16
        let authentication = payload[0] >> 4 == 2 ? 8 : 0
        let length = min(payload.count, 8 + Int(payload[3]) * addressLength + authentication)
        payload[6] = 0
        payload[7] = 0
        var sum = InternetChecksum()
        switch coverage {
        case 0:
            break
        case 1:
            sum.addPseudoHeader(
                source: source, destination: destination, protocolNumber: VRRPPacket.protocolNumber, length: length)
        default:
            sum.addPseudoHeader(
                source: source, destination: VRRPPacket.multicastGroup(for: source.family),
                protocolNumber: VRRPPacket.protocolNumber, length: length)
        }
        sum.add(payload[0..<length])
        payload[6] = UInt8(sum.value >> 8)
        payload[7] = UInt8(sum.value & 0xFF)
    }
}
