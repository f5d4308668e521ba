import NetTypes

/// A syntactically sound advert with what the socket told about it, ready for `VRRPInstanceSettings.validate`.
public struct VRRPReceivedPacket: Hashable, Sendable {
    /// The advert's fields.
    public var packet: VRRPPacket
    /// The IP source: the sender's primary address, compared on equal priority (RFC 5798 6.4.3).
    public var source: IPAddress
    /// The IP destination: the multicast group, or this node for unicast.
    public var destination: IPAddress
    /// The IPv4 TTL or IPv6 hop limit it arrived with.
    public var hopLimit: UInt8
    /// Whether it was sent to this node's unicast address rather than to the multicast group.
    public var arrivedByUnicast: Bool
    /// Which checksum form it carried, worth a counter when peers disagree on VRRPv3 over IPv4.
    public var checksumCoverage: VRRPChecksumCoverage

    /// Normally made by `VRRPPacket.decode`; tests and replays build it directly.
    public init(
        packet: VRRPPacket, source: IPAddress, destination: IPAddress, hopLimit: UInt8, arrivedByUnicast: Bool,
        checksumCoverage: VRRPChecksumCoverage
    ) {
        self.packet = packet
        self.source = source
        self.destination = destination
        self.hopLimit = hopLimit
        self.arrivedByUnicast = arrivedByUnicast
        self.checksumCoverage = checksumCoverage
    }
}
