import NetTypes

/// A VRRP advertisement: the message that follows the IP header (RFC 5798 5.1, RFC 3768 5.1).
///
/// The value holds fields only; `encode` and `decode` deal with bytes and checksums, and
/// `VRRPInstanceSettings.validate` decides whether an instance may act on a decoded advert.
public struct VRRPPacket: Hashable, Sendable {
    /// The Virtual Router Identifier, 1...255 (RFC 5798 5.2.3).
    public var vrid: UInt8
    /// The sender's priority: 255 for the address owner, 1...254 for backups, 0 when the master resigns
    /// (RFC 5798 5.2.4).
    public var priority: UInt8
    /// The virtual addresses, all of one family (RFC 5798 5.2.9).
    public var addresses: [IPAddress]
    /// The fields that differ between the versions.
    public var format: Format

    /// The version-specific second word of the header (and, for VRRPv2, the trailing authentication data).
    public enum Format: Hashable, Sendable {
        /// RFC 3768 5.3.6-5.3.7: Auth Type, Adver Int in whole seconds, and eight bytes of authentication data
        /// after the address list.
        case v2(advertIntervalSeconds: UInt8, authentication: VRRPAuthentication)
        /// RFC 5798 5.2.7: four reserved bits, then Max Adver Int in centiseconds on twelve bits (at most 4095).
        case v3(maxAdvertIntervalCentiseconds: UInt16)
    }

    /// An advert from its fields; `VRRPInstanceSettings.advertisement(priority:)` builds an instance's own.
    public init(vrid: UInt8, priority: UInt8, addresses: [IPAddress], format: Format) {
        self.vrid = vrid
        self.priority = priority
        self.addresses = addresses
        self.format = format
    }

    /// The version the format implies.
    public var version: VRRPVersion {
        switch format {
        case .v2: return .v2
        case .v3: return .v3
        }
    }

    /// The advertisement interval the sender announces, whatever the unit on the wire.
    public var advertInterval: Duration {
        switch format {
        case .v2(let seconds, _): return .seconds(Int(seconds))
        case .v3(let centiseconds): return .milliseconds(10 * Int(centiseconds))
        }
    }

    /// IP protocol number 112 (RFC 5798 5.1.1.4, 5.1.2.4).
    public static let protocolNumber: UInt8 = 112

    /// The TTL or hop limit a sender sets and a receiver demands (RFC 5798 5.1.1.3, 5.1.2.3).
    public static let requiredHopLimit: UInt8 = 255

    /// The type of an ADVERTISEMENT, the only type defined (RFC 5798 5.2.2).
    static let advertisementType: UInt8 = 1

    /// The fixed header before the address list: eight bytes in both versions.
    static let headerLength = 8

    /// The authentication data after a VRRPv2 address list (RFC 3768 5.3.10).
    static let v2AuthenticationLength = 8

    /// The group adverts are sent to: 224.0.0.18 (RFC 5798 5.1.1.2) or ff02::12 (RFC 5798 5.1.2.2).
    public static func multicastGroup(for family: IPAddress.Family) -> IPAddress {
        switch family {
        case .v4: return .v4(0xE000_0012)
        case .v6: return .v6(IPv6Bytes(high: 0xFF02_0000_0000_0000, low: 0x12))
        }
    }
}
