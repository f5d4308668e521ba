/// The Internet checksum of RFC 1071: the one's complement of the one's-complement sum of 16-bit words.
///
/// Feed bytes in order with `add(_:)`; pieces may have odd lengths, the pairing carries across calls. For a
/// checksum that covers a pseudo-header (RFC 8200 8.1, RFC 5798 5.2.8), call `addPseudoHeader` first. To verify,
/// sum the whole message with its checksum field in place: the result is zero when it is intact.
public struct InternetChecksum: Sendable {
    private var sum: UInt32 = 0
    private var pendingHighByte: UInt8?

    /// An empty sum.
    public init() {}

    /// Adds bytes in network order.
    public mutating func add<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes {
            if let high = pendingHighByte {
                addWord(UInt16(high) << 8 | UInt16(byte))
                pendingHighByte = nil
            } else {
                pendingHighByte = byte
            }
        }
    }

    /// Adds the pseudo-header an upper-layer checksum covers, for the family of the addresses.
    ///
    /// IPv4 (RFC 768, RFC 793): source, destination, zero, protocol, 16-bit length.
    /// IPv6 (RFC 8200 8.1): source, destination, 32-bit upper-layer length, three zero bytes, next header.
    /// Call before `add(_:)` for the payload: the pseudo-header has an even length.
    public mutating func addPseudoHeader(
        source: IPAddress, destination: IPAddress, protocolNumber: UInt8, length: Int
    ) {
        add(source.bytes)
        add(destination.bytes)
        switch source.family {
        case .v4:
            add([0, protocolNumber, UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)])
        case .v6:
            let bytes = (0..<4).map { UInt8((length >> (24 - 8 * $0)) & 0xFF) }
            add(bytes + [0, 0, 0, protocolNumber])
        }
    }

    /// The checksum to put in a header: the complement of the folded sum, an odd last byte padded with zero.
    public var value: UInt16 {
        var total = sum
        if let high = pendingHighByte { total += UInt32(high) << 8 }
        while total > 0xFFFF { total = (total & 0xFFFF) + (total >> 16) }
        return ~UInt16(total)
    }

    /// The checksum of `bytes` alone.
    public static func of<Bytes: Sequence>(_ bytes: Bytes) -> UInt16 where Bytes.Element == UInt8 {
        var checksum = InternetChecksum()
        checksum.add(bytes)
        return checksum.value
    }

    private mutating func addWord(_ word: UInt16) {
        sum += UInt32(word)
        // Fold early so the running sum never overflows however long the input.
        if sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    }
}
