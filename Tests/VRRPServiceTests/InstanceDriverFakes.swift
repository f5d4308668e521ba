import ConfigModel
import Foundation
import Logging
import MonotonicTime
import NetTypes
import VRRPCore
import VRRPIO
@testable import VRRPService

/// An advert channel that records what is sent and hands out queued datagrams.
final class FakeAdvertChannel: AdvertChannel {
    let source: IPAddress
    let fileDescriptor: Int32 = -1
    /// Every advert sent, decoded.
    private(set) var sent: [VRRPPacket] = []
    var inbox: [VRRPDatagram] = []
    /// Thrown by the next sends while set.
    var sendError: Error?

    init(source: IPAddress) {
        self.source = source
    }

    func sendToEachDestination(_ payload: (IPAddress) -> [UInt8]) throws {
        if let sendError { throw sendError }
        let group = IPAddress("224.0.0.18")!
        guard case .success(let received) = VRRPPacket.decode(
            payload(group), source: source, destination: group, hopLimit: 255, arrivedByUnicast: false)
        else { preconditionFailure("the driver sent an advert it cannot decode") }
        sent.append(received.packet)
    }

    func receive() throws -> VRRPDatagram? {
        inbox.isEmpty ? nil : inbox.removeFirst()
    }
}

/// Virtual addresses kept in a set; `addError` makes adds fail, `removeError` removals.
final class FakeVirtualAddresses: VirtualAddressControl {
    private(set) var present: Set<IPNetwork> = []
    var addError: Error?
    var removeError: Error?

    func add(_ vip: IPNetwork, to interface: NetworkInterface, label: String?) throws -> Bool {
        if let addError { throw addError }
        return present.insert(vip).inserted
    }

    func remove(_ vip: IPNetwork, from interface: NetworkInterface) throws -> Bool {
        if let removeError { throw removeError }
        return present.remove(vip) != nil
    }

    func removeStale(_ address: IPAddress, from interface: NetworkInterface) throws -> [IPNetwork] {
        let stale = present.filter { $0.address == address }
        present.subtract(stale)
        return Array(stale)
    }

    /// Takes an address away behind the driver's back, as `ip addr flush` does.
    func vanish(_ vip: IPNetwork) { present.remove(vip) }

    /// Puts an address on behind the driver's back, as an operator's `ip addr add` or a failed removal leaves it.
    func appear(_ vip: IPNetwork) { present.insert(vip) }
}

/// Counts announcements per address; `announceError` makes them fail, as a full packet socket does.
final class FakeAnnouncer: NeighborAnnouncer {
    let hardwareAddress = MACAddress("02:00:00:00:00:01")!
    private(set) var announced: [IPAddress] = []
    private(set) var failures = 0
    var announceError: Error?

    func announce(_ address: IPAddress) throws {
        if let announceError {
            failures += 1
            throw announceError
        }
        announced.append(address)
    }
}

/// One instance on `lo` with fakes all round, driven by a fake clock in milliseconds.
struct DriverRig {
    static let local = IPAddress("192.168.1.10")!
    static let vip = IPNetwork("192.168.1.100/32")!

    let channel = FakeAdvertChannel(source: local)
    let addresses = FakeVirtualAddresses()
    let announcer = FakeAnnouncer()
    let driver: InstanceDriver

    init(
        priority: Int = 100, interval: Duration = .seconds(1), garpMasterDelay: Duration = .seconds(5),
        trackScripts: [TrackScriptConfig] = [], unicastPeers: [IPAddress] = [], garpMasterRepeat: Int = 1,
        logger: Logger = Logger(label: "test"), version: VRRPConfig.Version = .v3
    ) throws {
        let config = VRRPConfig(
            name: "VI_1", interface: "lo", virtualRouterID: 51, priority: priority, advertInterval: interval,
            version: version,
            virtualAddresses: [Self.vip], unicastPeers: unicastPeers, garpMasterDelay: garpMasterDelay,
            garpMasterRepeat: garpMasterRepeat, trackScripts: trackScripts)
        driver = InstanceDriver(
            config: config, settings: config.settings(primaryAddress: Self.local),
            link: InstanceLink(interface: try NetworkInterface(named: "lo"), socket: channel, announcer: announcer),
            vips: addresses, logger: logger
        ) { _, _, _ in }
    }

    /// Delivers a peer's VRRPv3 advert for this instance, to the VRRP group unless `destination` says otherwise.
    func hear(
        priority: UInt8, from peer: IPAddress, to destination: IPAddress = IPAddress("224.0.0.18")!, ttl: Int = 255,
        addresses: [IPAddress] = [Self.vip.address], format: VRRPPacket.Format = .v3(maxAdvertIntervalCentiseconds: 100),
        at now: MonotonicInstant
    ) {
        let packet = VRRPPacket(vrid: 51, priority: priority, addresses: addresses, format: format)
        channel.inbox.append(VRRPDatagram(
            payload: packet.encode(source: peer, destination: destination), source: peer, destination: destination,
            ttl: ttl))
        driver.readable(at: now)
    }
}

/// Keeps every log message, to count warnings.
final class RecordingLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(level: Logger.Level, message: String)] = []

    var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    /// The messages logged at `level`.
    func messages(at level: Logger.Level) -> [String] {
        lock.withLock { lines.filter { $0.level == level }.map(\.message) }
    }

    private struct Handler: LogHandler {
        let log: RecordingLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
            function: String, line: UInt
        ) {
            log.lock.withLock { log.lines.append((level, message.description)) }
        }
    }
}

/// An instant `milliseconds` after the fake clock's origin.
func ms(_ milliseconds: Int) -> MonotonicInstant {
    MonotonicInstant(nanoseconds: UInt64(milliseconds) * 1_000_000)
}
