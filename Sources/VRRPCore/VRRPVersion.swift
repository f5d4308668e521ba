/// The protocol version an instance speaks: one per instance, as keepalived runs it.
///
/// VRRPv2 (RFC 3768) is IPv4 only, counts the advertisement interval in seconds and carries an authentication
/// field; VRRPv3 (RFC 5798, updated by RFC 9568) covers IPv4 and IPv6 and counts in centiseconds. The mixed-version
/// mode of RFC 5798 8.4 is not offered: an advert of the other version is discarded as `badVersion`.
public enum VRRPVersion: UInt8, Hashable, Sendable {
    case v2 = 2
    case v3 = 3
}
