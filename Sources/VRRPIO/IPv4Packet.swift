import NetTypes

/// The IPv4 header of VRRP packets: built for sending with `IP_HDRINCL`, parsed off what raw sockets deliver.
enum IPv4Packet {
    static let minimumHeaderLength = 20

    /// A 20-byte header for a VRRP payload of `payloadLength` bytes from `source` to `destination`.
    ///
    /// TTL 255 (RFC 5798 5.1.1.3), protocol 112, TOS 0xC0 (precedence "internetwork control", as keepalived
    /// marks VRRP). Identification and checksum stay zero: with `IP_HDRINCL` the kernel fills the identification
    /// when it is zero and always computes the checksum and total length (raw(7)).
    static func vrrpHeader(source: UInt32, destination: UInt32, payloadLength: Int) -> [UInt8] {
        let totalLength = UInt16(minimumHeaderLength + payloadLength)
        return [0x45, 0xC0, UInt8(totalLength >> 8), UInt8(totalLength & 0xFF)]
            + [0, 0, 0, 0]  // identification, flags and fragment offset
            + [255, VRRPSocket.protocolNumber, 0, 0]  // TTL, protocol, checksum
            + IPAddress.v4(source).bytes + IPAddress.v4(destination).bytes
    }

    /// Splits a packet from an IPv4 raw socket into header facts and payload; nil if the header is malformed.
    static func datagram(from packet: ArraySlice<UInt8>) -> VRRPDatagram? {
        let bytes = Array(packet)
        guard bytes.count >= minimumHeaderLength, bytes[0] >> 4 == 4 else { return nil }
        let headerLength = Int(bytes[0] & 0x0F) * 4
        let totalLength = Int(bytes[2]) << 8 | Int(bytes[3])
        guard headerLength >= minimumHeaderLength, headerLength <= totalLength, totalLength <= bytes.count,
            let source = IPAddress(bytes: bytes[12..<16]), let destination = IPAddress(bytes: bytes[16..<20])
        else { return nil }
        return VRRPDatagram(
            payload: Array(bytes[headerLength..<totalLength]), source: source, destination: destination,
            ttl: Int(bytes[8]))
    }
}
