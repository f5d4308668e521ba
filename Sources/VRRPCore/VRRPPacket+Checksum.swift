import NetTypes

/// What a VRRP checksum was computed over.
///
/// RFC 3768 5.3.8 sums the VRRPv2 message alone. RFC 5798 5.2.8 adds the pseudo-header for VRRPv3, which for IPv6
/// is clear and for IPv4 was read two ways: keepalived and FRR include an IPv4 pseudo-header, while RFC 9568 and
/// some routers sum the message alone. Older keepalived (before 2.0) put the multicast group instead of the unicast
/// peer into the pseudo-header when sending unicast, which its `unicast_chksum_compat` still accepts.
public enum VRRPChecksumCoverage: String, Hashable, Sendable {
    /// The VRRP message only.
    case messageOnly = "message_only"
    /// The pseudo-header with the packet's real source and destination, then the message.
    case pseudoHeader = "pseudo_header"
    /// The pseudo-header naming the multicast group although the packet came by unicast (old keepalived).
    case pseudoHeaderWithMulticastGroup = "pseudo_header_multicast_group"
}

extension VRRPPacket {
    /// The one's-complement sum of `message` under `coverage`; zero means a message that carries its checksum
    /// is intact, and for a message with a zero checksum field it is the value to write.
    static func checksum(
        of message: [UInt8], coverage: VRRPChecksumCoverage, source: IPAddress, destination: IPAddress
    ) -> UInt16 {
        var sum = InternetChecksum()
        switch coverage {
        case .messageOnly:
            break
        case .pseudoHeader:
            sum.addPseudoHeader(
                source: source, destination: destination, protocolNumber: protocolNumber, length: message.count)
        case .pseudoHeaderWithMulticastGroup:
            sum.addPseudoHeader(
                source: source, destination: multicastGroup(for: source.family), protocolNumber: protocolNumber,
                length: message.count)
        }
        sum.add(message)
        return sum.value
    }
}
