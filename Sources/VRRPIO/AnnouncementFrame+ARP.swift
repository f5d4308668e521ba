import NetTypes

extension AnnouncementFrame {
    /// A gratuitous ARP request for `address` (RFC 826 layout, RFC 5227 3 "ARP Announcement"): sender and target
    /// protocol address are both the VIP, the sender hardware address is this interface's MAC, and the frame goes
    /// to the broadcast address so every neighbour updates its cache.
    ///
    /// A request rather than a reply, and an all-ones target hardware address, as keepalived and iputils
    /// `arping -U` send it: some hosts ignore unsolicited replies, every host processes a broadcast request.
    public static func gratuitousARP(for address: UInt32, from sender: MACAddress) -> AnnouncementFrame {
        let ipv4 = IPAddress.v4(address).bytes
        let arp: [UInt8] =
            bigEndianBytes(1)  // hardware type: Ethernet
            + bigEndianBytes(etherTypeIPv4)  // protocol type
            + [6, 4]  // hardware and protocol address lengths
            + bigEndianBytes(1)  // operation: request
            + sender.bytes + ipv4  // sender hardware and protocol address
            + MACAddress.broadcast.bytes + ipv4  // target hardware and protocol address
        let header = ethernetHeader(destination: .broadcast, source: sender, etherType: etherTypeARP)
        return AnnouncementFrame(etherType: etherTypeARP, destination: .broadcast, bytes: header + arp)
    }
}
