import Glibc
import NetTypes
import XCTest

@testable import VRRPIO

/// VRRP packets from a socket in namespace a to one in namespace b over the veth pair.
final class VRRPSocketTests: XCTestCase {
    private var lab: NetworkNamespaceLab!
    private let payload: [UInt8] = [0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x00, 0x00, 198, 51, 100, 7]

    override func setUpWithError() throws {
        lab = try NetworkNamespaceLab()
    }

    override func tearDown() {
        lab?.close()
        lab = nil
    }

    /// Opens a VRRP socket on the veth end in `namespace`, with the source address `source` picks there.
    private func openSocket(
        in namespace: String, transport: VRRPSocket.Transport = .multicast,
        source: @escaping (InterfaceFacts, NetworkInterface) throws -> IPAddress?
    ) throws -> VRRPSocket {
        try lab.inside(namespace) {
            let interface = try NetworkInterface(named: namespace == self.lab.namespaceA ? "va" : "vb")
            let facts = try InterfaceFacts()
            var address: IPAddress?
            try NetworkNamespaceLab.wait(for: "a source address on \(interface)") {
                address = try source(facts, interface)
                return address != nil
            }
            return try VRRPSocket(interface: interface, source: address!, transport: transport)
        }
    }

    private func ipv4(_ facts: InterfaceFacts, _ interface: NetworkInterface) throws -> IPAddress? {
        try facts.primaryIPv4Address(of: interface)
    }

    private func ipv6(_ facts: InterfaceFacts, _ interface: NetworkInterface) throws -> IPAddress? {
        try facts.linkLocalIPv6Address(of: interface)
    }

    /// Waits (poll(2), bounded) for the socket to become readable, then reads one packet.
    private func receive(on socket: VRRPSocket, within milliseconds: Int32 = 5_000) throws -> VRRPDatagram? {
        var descriptor = pollfd(fd: socket.fileDescriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, milliseconds) == 1 else { return nil }
        return try socket.receive()
    }

    func testIPv4MulticastAdvertArrivesWithTTL255() throws {
        let sender = try openSocket(in: lab.namespaceA, source: ipv4)
        let receiver = try openSocket(in: lab.namespaceB, source: ipv4)
        XCTAssertEqual(sender.destinations, [VRRPSocket.ipv4Group])

        try sender.sendToEachDestination { _ in payload }
        let datagram = try XCTUnwrap(try receive(on: receiver))
        XCTAssertEqual(
            datagram,
            VRRPDatagram(
                payload: payload, source: IPAddress(NetworkNamespaceLab.addressA)!,
                destination: IPAddress("224.0.0.18")!, ttl: 255))
        XCTAssertNil(try receiver.receive(), "one send, one packet")
        XCTAssertNil(try sender.receive(), "multicast loop is off: a sender never hears itself")
    }

    func testIPv4UnicastAdvertReachesEveryReachablePeer() throws {
        let peerA = IPAddress(NetworkNamespaceLab.addressA)!
        let peerB = IPAddress(NetworkNamespaceLab.addressB)!
        // A peer misconfigured as the subnet's broadcast address: the kernel refuses that send (EACCES without
        // SO_BROADCAST), and the failure must not keep the advert from the next peer.
        let broadcast = IPAddress("192.0.2.255")!
        let sender = try openSocket(in: lab.namespaceA, transport: .unicast(peers: [broadcast, peerB]), source: ipv4)
        let receiver = try openSocket(in: lab.namespaceB, transport: .unicast(peers: [peerA]), source: ipv4)

        var encodedFor: [IPAddress] = []
        XCTAssertThrowsError(
            try sender.sendToEachDestination {
                encodedFor.append($0)
                return payload
            }
        ) { XCTAssertEqual(($0 as? SocketError)?.code, EACCES) }
        XCTAssertEqual(encodedFor, [broadcast, peerB], "one encoding per peer: the checksum covers the destination")
        let datagram = try XCTUnwrap(try receive(on: receiver))
        XCTAssertEqual(datagram, VRRPDatagram(payload: payload, source: peerA, destination: peerB, ttl: 255))
    }

    func testIPv4AdvertOnTheWireHasOurSourceTTL255AndAGoodChecksum() throws {
        let decoded = try capturedAdvert(source: ipv4, filter: "ip proto 112")
        XCTAssertTrue(decoded.contains("Source Address: \(NetworkNamespaceLab.addressA)"), decoded)
        XCTAssertTrue(decoded.contains("Destination Address: 224.0.0.18"), decoded)
        XCTAssertTrue(decoded.contains("Time to Live: 255"), decoded)
    }

    func testIPv6AdvertOnTheWireHasOurLinkLocalSourceHopLimit255AndAGoodChecksum() throws {
        let decoded = try capturedAdvert(source: ipv6, filter: "ip6 proto 112")
        XCTAssertTrue(decoded.contains("Source Address: fe80::"), decoded)
        XCTAssertTrue(decoded.contains("Destination Address: ff02::12"), decoded)
        XCTAssertTrue(decoded.contains("Hop Limit: 255"), decoded)
    }

    /// Sends a VRRPv3 advert from namespace a and returns tshark's decoding of it on the peer. Its checksum
    /// covers the pseudo-header (RFC 5798 5.2.8), so wireshark finds it good only if the packet really leaves
    /// from the socket's `source`.
    private func capturedAdvert(
        source: @escaping (InterfaceFacts, NetworkInterface) throws -> IPAddress?, filter: String
    ) throws -> String {
        guard NetworkNamespaceLab.executable("tshark") != nil else { throw XCTSkip("needs tshark") }
        let sender = try openSocket(in: lab.namespaceA, source: source)
        func advert(to destination: IPAddress) -> [UInt8] {
            var checksum = InternetChecksum()
            checksum.addPseudoHeader(
                source: sender.source, destination: destination, protocolNumber: 112, length: payload.count)
            checksum.add(payload)
            var advert = payload
            advert.replaceSubrange(6..<8, with: [UInt8(checksum.value >> 8), UInt8(checksum.value & 0xFF)])
            return advert
        }

        let capture = try PacketCapture(namespace: lab.namespaceB, interface: "vb", filter: filter)
        let decoded = try capture.decodedPacket { try sender.sendToEachDestination(advert) }
        XCTAssertTrue(decoded.contains("Virtual Router Redundancy Protocol"), decoded)
        XCTAssertTrue(decoded.contains("Virtual Rtr ID: 51"), decoded)
        XCTAssertTrue(decoded.contains("[Checksum Status: Good]"), decoded)
        return decoded
    }

    func testIPv6MulticastAdvertArrivesWithHopLimit255() throws {
        let sender = try openSocket(in: lab.namespaceA, source: ipv6)
        let receiver = try openSocket(in: lab.namespaceB, source: ipv6)
        XCTAssertEqual(sender.destinations, [VRRPSocket.ipv6Group])

        try sender.sendToEachDestination { _ in payload }
        let datagram = try XCTUnwrap(try receive(on: receiver))
        XCTAssertEqual(
            datagram,
            VRRPDatagram(payload: payload, source: sender.source, destination: IPAddress("ff02::12")!, ttl: 255))
        XCTAssertNil(try sender.receive(), "multicast loop is off: a sender never hears itself")
    }

    func testIPv6UnicastAdvertReachesThePeersLinkLocalAddress() throws {
        let receiver = try openSocket(in: lab.namespaceB, source: ipv6)
        let sender = try openSocket(in: lab.namespaceA, transport: .unicast(peers: [receiver.source]), source: ipv6)

        try sender.send(payload: payload, to: receiver.source)
        let datagram = try XCTUnwrap(try receive(on: receiver))
        XCTAssertEqual(
            datagram, VRRPDatagram(payload: payload, source: sender.source, destination: receiver.source, ttl: 255))
    }
}

/// Checks that need no privilege.
final class VRRPSocketValidationTests: XCTestCase {
    func testPeersOfAnotherFamilyAreRefusedBeforeAnySocketIsOpened() throws {
        let loopback = try NetworkInterface(named: "lo")
        XCTAssertThrowsError(
            try VRRPSocket(
                interface: loopback, source: IPAddress("127.0.0.1")!,
                transport: .unicast(peers: [IPAddress("::1")!]))
        ) { XCTAssertEqual(($0 as? SocketError)?.code, EAFNOSUPPORT) }
    }
}
