import NetTypes
import VRRPIO

/// The advert socket as an instance uses it; `VRRPSocket` in the daemon, a recording fake in tests.
protocol AdvertChannel: AnyObject {
    /// The address adverts come from.
    var source: IPAddress { get }
    /// Polled for readability by the VRRP loop.
    var fileDescriptor: Int32 { get }
    /// Sends one message, encoded per destination, to the group or each unicast peer.
    func sendToEachDestination(_ payload: (IPAddress) -> [UInt8]) throws
    /// The next queued datagram, nil when none waits; never blocks.
    func receive() throws -> VRRPDatagram?
}

/// Adding and removing virtual addresses; `VIPManager` in the daemon.
protocol VirtualAddressControl: AnyObject {
    @discardableResult func add(_ vip: IPNetwork, to interface: NetworkInterface, label: String?) throws -> Bool
    @discardableResult func remove(_ vip: IPNetwork, from interface: NetworkInterface) throws -> Bool
    @discardableResult func removeStale(_ address: IPAddress, from interface: NetworkInterface) throws
        -> [IPNetwork]
}

/// Gratuitous ARP / unsolicited NA for one address; `GratuitousAnnouncer` in the daemon.
protocol NeighborAnnouncer: AnyObject {
    /// The MAC the announcements claim; a changed interface MAC needs a new announcer.
    var hardwareAddress: MACAddress { get }
    func announce(_ address: IPAddress) throws
}

extension VRRPSocket: AdvertChannel {}
extension VIPManager: VirtualAddressControl {}
extension GratuitousAnnouncer: NeighborAnnouncer {}
