import NetTypes

extension VRRPPacket {
    /// Parses the IP payload of a received VRRP packet: syntax and checksum only, no instance settings.
    ///
    /// Checks, in order (RFC 5798 7.1, RFC 3768 7.1): the fixed header is present (`tooShort`), the version is 2
    /// or 3 (`badVersion`), the type is ADVERTISEMENT (`badType`), source and destination are of one family and
    /// VRRPv2 comes over IPv4 (`wrongFamily`), the address list (and VRRPv2 authentication data) fits
    /// (`tooShort`), and the checksum holds (`badChecksum`).
    ///
    /// The checksum is verified over the length the header declares; bytes past it are ignored. VRRPv3 over IPv4
    /// is accepted with or without the pseudo-header, since implementations differ (see `VRRPChecksumCoverage`),
    /// and by unicast also with the multicast group in the pseudo-header, as old keepalived sends it.
    ///
    /// - Parameters:
    ///   - payload: the bytes after the IP header.
    ///   - source: the IP source address.
    ///   - destination: the IP destination address.
    ///   - hopLimit: the TTL or hop limit the packet arrived with; checked later, against settings.
    ///   - arrivedByUnicast: whether the destination was this node rather than the multicast group.
    public static func decode<Bytes: Collection>(
        _ payload: Bytes, source: IPAddress, destination: IPAddress, hopLimit: UInt8, arrivedByUnicast: Bool
    ) -> Result<VRRPReceivedPacket, VRRPDiscard> where Bytes.Element == UInt8 {
        let bytes = Array(payload)
        guard bytes.count >= headerLength else { return .failure(.tooShort) }
        guard let version = VRRPVersion(rawValue: bytes[0] >> 4) else { return .failure(.badVersion) }
        guard bytes[0] & 0x0F == advertisementType else { return .failure(.badType) }
        guard source.family == destination.family, version == .v3 || source.family == .v4 else {
            return .failure(.wrongFamily)
        }

        let addressLength = source.family == .v4 ? 4 : 16
        let count = Int(bytes[3])
        let addressesEnd = headerLength + count * addressLength
        let messageLength = addressesEnd + (version == .v2 ? v2AuthenticationLength : 0)
        guard bytes.count >= messageLength else { return .failure(.tooShort) }
        let message = Array(bytes[0..<messageLength])

        guard
            let coverage = verifiedCoverage(
                of: message, version: version, source: source, destination: destination, unicast: arrivedByUnicast)
        else { return .failure(.badChecksum) }

        let addresses = stride(from: headerLength, to: addressesEnd, by: addressLength).map { start in
            // Slices of 4 or 16 bytes always make an address.
            IPAddress(bytes: message[start..<(start + addressLength)])!
        }
        let format: Format
        switch version {
        case .v2:
            let data = Array(message[addressesEnd..<messageLength])
            format = .v2(advertIntervalSeconds: message[5], authentication: authentication(type: message[4], data))
        case .v3:
            // RFC 5798 5.2.6: the reserved bits are ignored on receipt.
            format = .v3(maxAdvertIntervalCentiseconds: UInt16(message[4] & 0x0F) << 8 | UInt16(message[5]))
        }
        let packet = VRRPPacket(vrid: message[1], priority: message[2], addresses: addresses, format: format)
        return .success(
            VRRPReceivedPacket(
                packet: packet, source: source, destination: destination, hopLimit: hopLimit,
                arrivedByUnicast: arrivedByUnicast, checksumCoverage: coverage))
    }

    /// The first checksum form, among those this version and family allow, under which the message sums to zero.
    private static func verifiedCoverage(
        of message: [UInt8], version: VRRPVersion, source: IPAddress, destination: IPAddress, unicast: Bool
    ) -> VRRPChecksumCoverage? {
        let candidates: [VRRPChecksumCoverage]
        switch (version, source.family) {
        case (.v2, _):
            candidates = [.messageOnly]
        case (.v3, .v6):
            candidates = [.pseudoHeader]
        case (.v3, .v4):
            candidates =
                unicast
                ? [.pseudoHeader, .messageOnly, .pseudoHeaderWithMulticastGroup] : [.pseudoHeader, .messageOnly]
        }
        return candidates.first { checksum(of: message, coverage: $0, source: source, destination: destination) == 0 }
    }

    /// RFC 3768 5.3.6: type 0 ignores the data, type 1 carries the password; others are kept for validation to
    /// reject.
    private static func authentication(type: UInt8, _ data: [UInt8]) -> VRRPAuthentication {
        switch type {
        case 0: return .none
        case 1: return .simpleText(data)
        default: return .unsupported(type: type)
        }
    }
}
