import NetTypes
import VRRPCore
import XCTest

final class VRRPValidationTests: XCTestCase {
    private func received(
        _ packet: VRRPPacket, from source: IPAddress = higherPeer, hopLimit: UInt8 = 255, unicast: Bool = false
    ) -> VRRPReceivedPacket {
        VRRPReceivedPacket(
            packet: packet, source: source, destination: unicast ? localAddress : address("224.0.0.18"),
            hopLimit: hopLimit, arrivedByUnicast: unicast, checksumCoverage: .pseudoHeader)
    }

    func testAMatchingAdvertIsAccepted() {
        XCTAssertEqual(settings().validate(received(advert(priority: 100))), .accepted)
        XCTAssertEqual(
            settings(version: .v2, authentication: "secret").validate(
                received(v2Advert(priority: 100, authentication: .simpleText(password: "secret")))),
            .accepted)
    }

    func testAMulticastAdvertNeedsTTL255() {
        XCTAssertEqual(settings().validate(received(advert(priority: 100), hopLimit: 254)), .discarded(.badTTL))
    }

    func testAUnicastAdvertSkipsTheTTLCheckUnlessAsked() {
        let peers = VRRPTransport.unicast(peers: [higherPeer])
        let routed = received(advert(priority: 100), hopLimit: 62, unicast: true)
        XCTAssertEqual(settings(transport: peers).validate(routed), .accepted)
        XCTAssertEqual(settings(unicastTTLCheck: true, transport: peers).validate(routed), .discarded(.badTTL))
    }

    /// A host off the link that knows the VRID and the addresses must not knock the master off: every router of a
    /// multicast instance sends to the group, so a unicast advert is a forgery whatever its TTL.
    func testAMulticastInstanceDropsUnicastAdverts() {
        for hopLimit: UInt8 in [64, 255] {
            XCTAssertEqual(
                settings().validate(received(advert(priority: 255), hopLimit: hopLimit, unicast: true)),
                .discarded(.unexpectedUnicast), "TTL \(hopLimit)")
        }
        XCTAssertTrue(VRRPDiscard.unexpectedUnicast.isError)
    }

    /// keepalived's check_unicast_src: a unicast instance hears its peers only, however the advert came.
    func testAUnicastInstanceHearsOnlyItsPeers() {
        let unicast = settings(transport: .unicast(peers: [higherPeer]))
        XCTAssertEqual(unicast.validate(received(advert(priority: 100), unicast: true)), .accepted)
        XCTAssertEqual(
            unicast.validate(received(advert(priority: 255), from: lowerPeer, unicast: true)), .discarded(.unknownPeer))
        XCTAssertEqual(unicast.validate(received(advert(priority: 255), from: lowerPeer)), .discarded(.unknownPeer))
        XCTAssertTrue(VRRPDiscard.unknownPeer.isError)
    }

    func testAnotherVRIDWinsOverTheTransport() {
        var other = advert(priority: 100)
        other.vrid = 52
        XCTAssertEqual(settings().validate(received(other, unicast: true)), .discarded(.wrongVRID))
    }

    func testAnotherVRIDIsCountedApartFromErrors() {
        var other = advert(priority: 100)
        other.vrid = 52
        XCTAssertEqual(settings().validate(received(other)), .discarded(.wrongVRID))
        XCTAssertFalse(VRRPDiscard.wrongVRID.isError)
        XCTAssertTrue(VRRPDiscard.badTTL.isError)
    }

    func testAnotherVRIDWinsOverOtherFaults() {
        var other = advert(priority: 100)
        other.vrid = 52
        other.addresses = []
        XCTAssertEqual(settings().validate(received(other, hopLimit: 1)), .discarded(.wrongVRID))
    }

    /// RFC 5798 7.1 asks only to log a VRRPv3 address mismatch. Dropping it would make a rolling reload that
    /// changes the VIP list look like a dead master to the nodes not yet reloaded: two masters.
    func testAVersion3AdvertWithOtherAddressesIsAcceptedAndFlagged() {
        var extra = advert(priority: 100)
        extra.addresses.append(address("192.168.1.101"))
        XCTAssertEqual(settings().validate(received(extra)), .acceptedWithOtherAddresses)
        var configured = settings()
        configured.virtualAddresses.append(network("192.168.1.102/24"))
        var overlapping = advert(priority: 100)
        overlapping.addresses = [address("192.168.1.101"), virtualAddress.address]
        XCTAssertEqual(configured.validate(received(overlapping)), .acceptedWithOtherAddresses)
    }

    /// Another cluster on the VLAN reusing this VRID names none of our VIPs: obeying its master would leave our
    /// VIP on no node. Dropped, as keepalived drops any differing list.
    func testAVersion3AdvertSharingNoAddressIsDiscarded() {
        var foreign = advert(priority: 255)
        foreign.addresses = [address("192.168.1.101"), address("192.168.1.102")]
        XCTAssertEqual(settings().validate(received(foreign)), .discarded(.addressListMismatch))
    }

    func testAnAdvertWithoutAddressesIsDiscarded() {
        var none = advert(priority: 100)
        none.addresses = []
        XCTAssertEqual(settings().validate(received(none)), .discarded(.addressCountMismatch), "RFC 9568 5.2.5")
    }

    /// RFC 3768 7.1: a VRRPv2 router MUST drop an advert whose addresses differ (unless from the owner, 255);
    /// keepalived drops it at any priority, and so does pgfloat.
    func testAVersion2AdvertWithOtherAddressesIsDiscarded() {
        var extra = v2Advert(priority: 100)
        extra.addresses.append(address("192.168.1.101"))
        XCTAssertEqual(settings(version: .v2).validate(received(extra)), .discarded(.addressCountMismatch))
        var other = v2Advert(priority: 100)
        other.addresses = [address("192.168.1.101")]
        XCTAssertEqual(settings(version: .v2).validate(received(other)), .discarded(.addressListMismatch))
    }

    func testAddressOrderDoesNotMatter() {
        var configured = settings()
        configured.virtualAddresses = [network("192.168.1.100/24"), network("192.168.1.101/24")]
        var packet = advert(priority: 100)
        packet.addresses = [address("192.168.1.101"), address("192.168.1.100")]
        XCTAssertEqual(configured.validate(received(packet)), .accepted)
    }

    func testAnAuthTypeOtherThanConfiguredIsBadAuthType() {
        let withPassword = settings(version: .v2, authentication: "secret")
        XCTAssertEqual(withPassword.validate(received(v2Advert(priority: 100))), .discarded(.badAuthType))
        let ipsec = v2Advert(priority: 100, authentication: .unsupported(type: 2))
        XCTAssertEqual(withPassword.validate(received(ipsec)), .discarded(.badAuthType))
        let password = v2Advert(priority: 100, authentication: .simpleText(password: "secret"))
        XCTAssertEqual(settings(version: .v2).validate(received(password)), .discarded(.badAuthType))
    }

    func testAWrongPasswordIsAuthMismatch() {
        let wrong = v2Advert(priority: 100, authentication: .simpleText(password: "secreT"))
        XCTAssertEqual(
            settings(version: .v2, authentication: "secret").validate(received(wrong)), .discarded(.authMismatch))
    }

    func testAVersion2IntervalMismatchIsDiscarded() {
        XCTAssertEqual(
            settings(version: .v2).validate(received(v2Advert(priority: 100, seconds: 2))),
            .discarded(.intervalMismatch))
    }

    func testAVersion3IntervalMismatchIsAcceptedForBackupsToAdopt() {
        XCTAssertEqual(settings().validate(received(advert(priority: 100, centiseconds: 200))), .accepted)
    }

    func testAVersion3ZeroIntervalIsDiscarded() {
        XCTAssertEqual(
            settings().validate(received(advert(priority: 100, centiseconds: 0))), .discarded(.zeroInterval))
    }

    func testOurOwnAdvertLoopedBackIsDiscarded() {
        XCTAssertEqual(
            settings().validate(received(advert(priority: 100), from: localAddress)), .discarded(.ownAddress))
    }

    func testAnotherFamilyIsDiscarded() {
        XCTAssertEqual(
            settings().validate(received(advert(priority: 100), from: address("fe80::2"))), .discarded(.wrongFamily))
    }

    func testAnotherVersionIsDiscarded() {
        XCTAssertEqual(settings().validate(received(v2Advert(priority: 100))), .discarded(.badVersion))
        XCTAssertEqual(settings(version: .v2).validate(received(advert(priority: 100))), .discarded(.badVersion))
    }

    func testEveryReasonHasAStableLabel() {
        let labels = VRRPDiscard.allCases.map(\.rawValue)
        XCTAssertEqual(
            labels,
            [
                "too_short", "bad_version", "bad_type", "bad_checksum", "bad_ttl", "other_vrid",
                "address_count_mismatch", "address_list_mismatch", "bad_auth_type", "auth_mismatch",
                "interval_mismatch", "zero_interval", "own_address", "wrong_family", "unexpected_unicast",
                "unknown_peer",
            ])
    }
}
