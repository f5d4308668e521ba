import NetTypes

/// One VRRP packet as it arrived, with the IP header facts that RFC 5798 7.1 checks before the payload.
public struct VRRPDatagram: Hashable, Sendable {
    /// The VRRP message: everything after the IP header.
    public var payload: [UInt8]
    /// The sender's address, which the checksum pseudo-header and the priority tie-break use.
    public var source: IPAddress
    /// The address it was sent to: the VRRP multicast group, or one of ours in unicast mode.
    public var destination: IPAddress
    /// The received IPv4 TTL or IPv6 hop limit; RFC 5798 7.1 discards anything but 255. -1 when unknown.
    public var ttl: Int

    public init(payload: [UInt8], source: IPAddress, destination: IPAddress, ttl: Int) {
        self.payload = payload
        self.source = source
        self.destination = destination
        self.ttl = ttl
    }
}
