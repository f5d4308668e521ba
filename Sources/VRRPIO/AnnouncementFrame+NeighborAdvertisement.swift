import NetTypes

extension AnnouncementFrame {
    /// ff02::1, all nodes on the link (RFC 4291 2.7.1).
    static let allNodes = IPAddress.v6(IPv6Bytes(high: 0xFF02_0000_0000_0000, low: 1))

    /// An unsolicited neighbour advertisement for `address` (RFC 4861 4.4, 7.2.6), in a hand-built frame.
    ///
    /// - IPv6 source: the VIP itself, an address assigned to the interface as RFC 4861 4.4 requires. It is
    ///   usable at once (added with NODAD), unlike a link-local address that may still be tentative.
    /// - Destination ff02::1 at MAC 33:33:00:00:00:01 (RFC 2464 7), hop limit 255 (RFC 4861 7.1.2 drops others).
    /// - Flags: Override set so neighbours replace the old master's MAC; Solicited clear, as it must be for an
    ///   unsolicited one; Router clear: RFC 5798 6.4.1 asks routers to set it, and a pgfloat VIP is a service
    ///   address, not a router.
    /// - Option: target link-layer address (type 2) with this interface's MAC.
    public static func unsolicitedNeighborAdvertisement(for address: IPv6Bytes, from sender: MACAddress)
        -> AnnouncementFrame
    {
        let target = IPAddress.v6(address)
        let icmpv6NextHeader: UInt8 = 58
        let overrideFlag: UInt8 = 0x20
        var icmp: [UInt8] = [136, 0, 0, 0]  // type: neighbour advertisement, code 0, checksum filled below
        icmp += [overrideFlag, 0, 0, 0] + target.bytes
        icmp += [2, 1] + sender.bytes  // target link-layer address option, length in units of 8 bytes

        var checksum = InternetChecksum()
        checksum.addPseudoHeader(
            source: target, destination: allNodes, protocolNumber: icmpv6NextHeader, length: icmp.count)
        checksum.add(icmp)
        icmp.replaceSubrange(2..<4, with: bigEndianBytes(checksum.value))

        let ipv6: [UInt8] =
            [0x60, 0, 0, 0]  // version 6, traffic class 0, flow label 0
            + bigEndianBytes(UInt16(icmp.count))  // payload length
            + [icmpv6NextHeader, 255]  // next header, hop limit
            + target.bytes + allNodes.bytes
        let destination = MACAddress(bytes: [0x33, 0x33, 0, 0, 0, 1])!
        let header = ethernetHeader(destination: destination, source: sender, etherType: etherTypeIPv6)
        return AnnouncementFrame(etherType: etherTypeIPv6, destination: destination, bytes: header + ipv6 + icmp)
    }
}
