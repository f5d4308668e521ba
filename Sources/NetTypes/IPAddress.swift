/// An IPv4 or IPv6 address as bytes in network order.
///
/// A value type with no socket calls, so the VRRP codec and election (which compare addresses, RFC 5798 6.4.3)
/// stay pure. Text forms follow RFC 4291 2.2 / RFC 5952 for IPv6 and dotted quads for IPv4.
public enum IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Four bytes, most significant first.
    case v4(UInt32)
    /// Sixteen bytes, network order.
    case v6(IPv6Bytes)

    /// The family of an address, for checks that a VRRP instance uses one family only.
    public enum Family: Sendable, Equatable {
        case v4
        case v6
    }

    public var family: Family {
        switch self {
        case .v4: return .v4
        case .v6: return .v6
        }
    }

    /// The address in network byte order: 4 or 16 bytes.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value):
            return [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        case .v6(let value):
            return value.bytes
        }
    }

    /// From 4 or 16 network-order bytes; nil for any other count.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes)
        switch array.count {
        case 4:
            self = .v4(array.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            self = .v6(IPv6Bytes(array))
        default:
            return nil
        }
    }

    /// Orders addresses as unsigned numbers in network order, as RFC 5798 6.4.3 compares primary addresses.
    /// An IPv4 address sorts before any IPv6 address.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let left), .v4(let right)): return left < right
        case (.v6(let left), .v6(let right)): return left.bytes.lexicographicallyPrecedes(right.bytes)
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        }
    }
}

/// The sixteen bytes of an IPv6 address, stored as two big-endian halves so the type stays `Hashable` cheaply.
public struct IPv6Bytes: Hashable, Sendable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From exactly 16 bytes in network order.
    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8((high >> (56 - 8 * UInt64($0))) & 0xFF) }
            + (0..<8).map { UInt8((low >> (56 - 8 * UInt64($0))) & 0xFF) }
    }
}

extension IPAddress {
    /// Whether this is a multicast group address (224.0.0.0/4, ff00::/8): how a VRRP receiver tells a multicast
    /// advert from a unicast one.
    public var isMulticast: Bool {
        switch self {
        case .v4(let value): return value >> 28 == 0xE
        case .v6(let value): return value.high >> 56 == 0xFF
        }
    }
}
