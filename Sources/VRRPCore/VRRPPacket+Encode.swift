import NetTypes

extension VRRPPacket {
    /// The advert as bytes for an IP payload, checksum filled in.
    ///
    /// - VRRPv2: the checksum covers the message only (RFC 3768 5.3.8).
    /// - VRRPv3 over IPv6: the checksum covers the pseudo-header too (RFC 5798 5.2.8). A raw socket with
    ///   `IPV6_CHECKSUM` makes the kernel rewrite it to the same value.
    /// - VRRPv3 over IPv4: with the pseudo-header, as keepalived and RFC 5798 do, unless `v3ChecksumAsV2` asks for
    ///   the message-only sum of RFC 9568 for peers that only accept that.
    ///
    /// `source` and `destination` are the IP header's addresses (the destination is the multicast group, or the peer
    /// for unicast). The caller guarantees what settings validation checks: addresses of the source's family, a
    /// VRRPv3 interval below 4096 centiseconds, and VRRPv2 only over IPv4.
    public func encode(source: IPAddress, destination: IPAddress, v3ChecksumAsV2: Bool = false) -> [UInt8] {
        precondition(addresses.allSatisfy { $0.family == source.family }, "one address family per advert")
        precondition(addresses.count <= Int(UInt8.max), "at most 255 addresses")
        var message: [UInt8] = [
            version.rawValue << 4 | Self.advertisementType, vrid, priority, UInt8(addresses.count),
        ]
        let coverage: VRRPChecksumCoverage
        switch format {
        case .v2(let seconds, let authentication):
            precondition(source.family == .v4, "VRRPv2 is defined for IPv4 only")
            message += [authentication.typeCode, seconds, 0, 0]
            coverage = .messageOnly
        case .v3(let centiseconds):
            precondition(centiseconds <= 0x0FFF, "Max Adver Int has twelve bits")
            // RFC 5798 5.2.6: the four reserved bits are sent as zero.
            message += [UInt8(centiseconds >> 8), UInt8(centiseconds & 0xFF), 0, 0]
            coverage = source.family == .v4 && v3ChecksumAsV2 ? .messageOnly : .pseudoHeader
        }
        message += addresses.flatMap(\.bytes)
        if case .v2(_, let authentication) = format {
            message += authentication.wireData
        }
        let checksum = Self.checksum(of: message, coverage: coverage, source: source, destination: destination)
        message[6] = UInt8(checksum >> 8)
        message[7] = UInt8(checksum & 0xFF)
        return message
    }
}
