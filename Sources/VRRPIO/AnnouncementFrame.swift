import NetTypes

/// A complete Ethernet frame that tells the LAN a VIP now lives at this host's MAC: a gratuitous ARP for IPv4,
/// an unsolicited neighbour advertisement for IPv6 (RFC 5798 6.4.1, sent on becoming master).
///
/// Building is pure so that the exact bytes are unit-tested; `GratuitousAnnouncer` only puts them on the wire.
public struct AnnouncementFrame: Hashable, Sendable {
    /// The EtherType in the frame header, which an AF_PACKET send also names.
    public var etherType: UInt16
    /// The Ethernet destination, also repeated in the frame.
    public var destination: MACAddress
    /// The frame from the destination MAC on, without the FCS (the NIC appends it and pads short frames).
    public var bytes: [UInt8]

    public init(etherType: UInt16, destination: MACAddress, bytes: [UInt8]) {
        self.etherType = etherType
        self.destination = destination
        self.bytes = bytes
    }

    static let etherTypeARP: UInt16 = 0x0806
    static let etherTypeIPv4: UInt16 = 0x0800
    static let etherTypeIPv6: UInt16 = 0x86DD

    /// The announcement for `address`: gratuitous ARP for IPv4, unsolicited NA for IPv6.
    public static func announcing(_ address: IPAddress, from sender: MACAddress) -> AnnouncementFrame {
        switch address {
        case .v4(let ipv4): return gratuitousARP(for: ipv4, from: sender)
        case .v6(let ipv6): return unsolicitedNeighborAdvertisement(for: ipv6, from: sender)
        }
    }

    static func ethernetHeader(destination: MACAddress, source: MACAddress, etherType: UInt16) -> [UInt8] {
        destination.bytes + source.bytes + bigEndianBytes(etherType)
    }

    static func bigEndianBytes(_ value: UInt16) -> [UInt8] {
        [UInt8(value >> 8), UInt8(value & 0xFF)]
    }
}
