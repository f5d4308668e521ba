/// Why a received advert was dropped; the raw value is a stable label for metrics and logs.
///
/// `decode` finds the syntax reasons (`tooShort`, `badVersion` for an unknown version, `badType`, `wrongFamily`,
/// `badChecksum`); `VRRPInstanceSettings.validate` finds the rest by comparing with an instance's settings.
public enum VRRPDiscard: String, Error, Hashable, Sendable, CaseIterable {
    /// Shorter than the fixed header, or than the address list and authentication data it declares
    /// (RFC 5798 7.1).
    case tooShort = "too_short"
    /// A version other than 2 or 3, or other than the instance speaks (RFC 5798 7.1, RFC 3768 7.1).
    case badVersion = "bad_version"
    /// A type other than 1, ADVERTISEMENT (RFC 5798 5.2.2).
    case badType = "bad_type"
    /// The one's-complement sum does not verify (RFC 5798 5.2.8, RFC 3768 5.3.8).
    case badChecksum = "bad_checksum"
    /// TTL or hop limit other than 255 (RFC 5798 5.1.1.3, 5.1.2.3). Not checked for unicast adverts unless
    /// `unicastTTLCheck` is set: keepalived does not check them, since a routed unicast peer's TTL drops.
    case badTTL = "bad_ttl"
    /// Meant for another virtual router on the link (RFC 5798 7.1). Normal traffic when several VRIDs share a
    /// link, so count it apart from errors; see `isError`.
    case wrongVRID = "other_vrid"
    /// An advert without addresses (RFC 9568 5.2.5 says to ignore it), or a VRRPv2 advert with another number of
    /// addresses than configured (RFC 3768 7.1). VRRPv3 adverts with other addresses are accepted and counted
    /// (`VRRPVerdict.acceptedWithOtherAddresses`) while they share one of ours.
    case addressCountMismatch = "address_count_mismatch"
    /// A VRRPv2 advert with as many addresses as configured, but not the same ones (RFC 3768 7.1: MUST drop), or
    /// a VRRPv3 advert sharing none of ours: another cluster using this VRID on the link.
    case addressListMismatch = "address_list_mismatch"
    /// A VRRPv2 Auth Type other than the one configured (RFC 3768 7.1; keepalived drops it).
    case badAuthType = "bad_auth_type"
    /// A VRRPv2 simple-text password other than the one configured (RFC 2338 7.1).
    case authMismatch = "auth_mismatch"
    /// A VRRPv2 advertisement interval other than the configured one (RFC 3768 7.1: MUST discard).
    case intervalMismatch = "interval_mismatch"
    /// A VRRPv3 Max Adver Int of zero, which no backup can time out on (RFC 9568 7.1).
    case zeroInterval = "zero_interval"
    /// Sent from this node's own primary address: our own advert looped back.
    case ownAddress = "own_address"
    /// An address family other than the instance's, mixed families in one packet, or VRRPv2 over IPv6.
    case wrongFamily = "wrong_family"
    /// Sent by unicast to a multicast instance, whose peers all send to the group: a host off the link forging
    /// adverts, since VRRPv3 has no authentication (keepalived drops these too).
    case unexpectedUnicast = "unexpected_unicast"
    /// Sent to a unicast instance from an address that is not one of its `unicast_peers` (keepalived's
    /// `check_unicast_src`).
    case unknownPeer = "unknown_peer"

    /// False for `wrongVRID`, which is another router's traffic rather than a fault.
    public var isError: Bool {
        switch self {
        case .wrongVRID:
            return false
        case .tooShort, .badVersion, .badType, .badChecksum, .badTTL, .addressCountMismatch, .addressListMismatch,
            .badAuthType, .authMismatch, .intervalMismatch, .zeroInterval, .ownAddress, .wrongFamily,
            .unexpectedUnicast, .unknownPeer:
            return true
        }
    }
}
