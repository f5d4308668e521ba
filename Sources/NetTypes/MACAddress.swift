/// A 48-bit Ethernet address, as in ARP replies and the VRRP virtual MAC (RFC 5798 7.3).
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    /// The six bytes in transmission order.
    public let bytes: [UInt8]

    /// Nil unless exactly six bytes are given.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == 6 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses six two-digit hex groups separated by ":" or "-" ("00:00:5e:00:01:33"), either case.
    public init?(_ text: String) {
        let separator: Character = text.contains("-") ? "-" : ":"
        let groups = text.split(separator: separator, omittingEmptySubsequences: false)
        guard groups.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for group in groups {
            guard group.count == 2, group.allSatisfy(\.isHexDigit), let byte = UInt8(group, radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    /// The all-ones address, the target of gratuitous ARP.
    public static let broadcast = MACAddress(bytes: [UInt8](repeating: 0xFF, count: 6))!

    /// Lowercase, colon separated, two digits per byte: "00:00:5e:00:01:33".
    public var description: String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 0x10 ? "0" + digits : digits
        }.joined(separator: ":")
    }
}
