/// What an instance does with a decoded advert.
public enum VRRPVerdict: Hashable, Sendable {
    /// Pass it to `VirtualRouter.received`.
    case accepted
    /// Pass it to `VirtualRouter.received`, though the sender's virtual addresses differ from this instance's
    /// while sharing at least one (VRRPv3 only). RFC 5798 7.1 asks only to log this. Dropping it, as keepalived
    /// does, would make a rolling reload that changes the VIP list look like a dead master to the nodes not yet
    /// reloaded: two masters.
    case acceptedWithOtherAddresses
    /// Drop it and count the reason.
    case discarded(VRRPDiscard)
}

extension VRRPInstanceSettings {
    /// The semantic receive checks of RFC 5798 7.1 and RFC 3768 7.1 against this instance, after `decode`.
    ///
    /// Order: family, version, VRID (so other routers' adverts are only ever `wrongVRID`), own address, transport,
    /// TTL, then the VRRPv2 authentication and interval or the VRRPv3 interval, then the address count and list
    /// (a VRRPv3 advert naming other addresses, but at least one of ours, is accepted, flagged as
    /// `acceptedWithOtherAddresses`).
    public func validate(_ received: VRRPReceivedPacket) -> VRRPVerdict {
        let packet = received.packet
        guard received.source.family == family else { return .discarded(.wrongFamily) }
        guard packet.version == version else { return .discarded(.badVersion) }
        guard packet.vrid == vrid else { return .discarded(.wrongVRID) }
        guard received.source != primaryAddress else { return .discarded(.ownAddress) }
        if let reason = transportProblem(received) { return .discarded(reason) }
        // RFC 5798 5.1.1.3 / 5.1.2.3; keepalived skips the check for unicast peers.
        if received.hopLimit != VRRPPacket.requiredHopLimit && (!received.arrivedByUnicast || unicastTTLCheck) {
            return .discarded(.badTTL)
        }
        if let reason = intervalOrAuthenticationProblem(packet.format) {
            return .discarded(reason)
        }
        // RFC 9568 5.2.5: an advert without addresses is ignored.
        guard !packet.addresses.isEmpty else { return .discarded(.addressCountMismatch) }
        let configured = virtualAddresses.map(\.address)
        let countMatches = packet.addresses.count == configured.count
        if countMatches && Set(packet.addresses) == Set(configured) { return .accepted }
        switch version {
        case .v3:
            // RFC 5798 7.1: the address check is a MAY, and a failure is to be logged, not dropped. A list that
            // shares none of our addresses is no rolling reload but another cluster reusing this VRID on the
            // link: obeying its master would leave our VIPs on no node.
            guard packet.addresses.contains(where: configured.contains) else {
                return .discarded(.addressListMismatch)
            }
            return .acceptedWithOtherAddresses
        case .v2:
            // RFC 3768 7.1: MUST drop unless sent by the owner; keepalived drops it whatever the priority.
            return .discarded(countMatches ? .addressListMismatch : .addressCountMismatch)
        }
    }

    /// VRRPv3 has no authentication, so the transport is what keeps a host off the link from forging a master:
    /// a multicast instance drops unicast adverts (keepalived: "Expected multicast packet but received unicast"),
    /// and a unicast instance hears only its peers (keepalived's `check_unicast_src`).
    private func transportProblem(_ received: VRRPReceivedPacket) -> VRRPDiscard? {
        switch transport {
        case .multicast:
            return received.arrivedByUnicast ? .unexpectedUnicast : nil
        case .unicast(let peers):
            return peers.contains(received.source) ? nil : .unknownPeer
        }
    }

    private func intervalOrAuthenticationProblem(_ format: VRRPPacket.Format) -> VRRPDiscard? {
        switch format {
        case .v2(let seconds, let authentication):
            // RFC 3768 7.1: MUST authenticate per Auth Type, and MUST discard on an interval mismatch.
            let expected = expectedAuthentication
            if authentication.typeCode != expected.typeCode { return .badAuthType }
            if authentication != expected { return .authMismatch }
            if .seconds(Int(seconds)) != advertInterval { return .intervalMismatch }
            return nil
        case .v3(let centiseconds):
            // RFC 9568 7.1: a zero interval is invalid. Other differences are adopted by backups (RFC 5798 6.4.2).
            return centiseconds == 0 ? .zeroInterval : nil
        }
    }
}
