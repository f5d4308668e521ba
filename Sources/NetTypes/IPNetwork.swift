/// An address with a prefix length: a VRRP virtual address as keepalived writes it ("192.168.1.100/24").
///
/// The address keeps its host bits: "192.168.1.100/24" names the host 192.168.1.100 on a /24, not the network
/// 192.168.1.0. A bare address means a host route: /32 for IPv4, /128 for IPv6.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The address, host bits included.
    public var address: IPAddress
    /// The number of leading bits that name the network: 0...32 for IPv4, 0...128 for IPv6.
    public var prefixLength: Int

    /// Nil when the prefix length does not fit the family (0...32 for IPv4, 0...128 for IPv6).
    public init?(address: IPAddress, prefixLength: Int) {
        guard (0...Self.maximumPrefixLength(of: address.family)).contains(prefixLength) else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// A host route for `address`: /32 or /128.
    public init(host address: IPAddress) {
        self.address = address
        self.prefixLength = Self.maximumPrefixLength(of: address.family)
    }

    /// Parses "ADDRESS/LENGTH" or a bare "ADDRESS"; the length is decimal without sign or leading zeros.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        guard parts.count == 2 else {
            self.init(host: address)
            return
        }
        let digits = parts[1]
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
            digits == "0" || !digits.hasPrefix("0"), let length = Int(digits)
        else { return nil }
        self.init(address: address, prefixLength: length)
    }

    /// "ADDRESS/LENGTH", always with the length.
    public var description: String { "\(address)/\(prefixLength)" }

    /// Whether `other` lies in this prefix (same family, same leading `prefixLength` bits).
    public func contains(_ other: IPAddress) -> Bool {
        guard other.family == address.family else { return false }
        let mine = address.bytes
        let theirs = other.bytes
        let wholeBytes = prefixLength / 8
        guard mine[0..<wholeBytes] == theirs[0..<wholeBytes] else { return false }
        let remainingBits = prefixLength % 8
        if remainingBits == 0 { return true }
        let mask = UInt8(0xFF) << (8 - remainingBits)
        return mine[wholeBytes] & mask == theirs[wholeBytes] & mask
    }

    private static func maximumPrefixLength(of family: IPAddress.Family) -> Int {
        switch family {
        case .v4: return 32
        case .v6: return 128
        }
    }
}
