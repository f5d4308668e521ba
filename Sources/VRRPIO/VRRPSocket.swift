// CNetlink for SOCK_RAW and the other socket type flags: libnl's headers include <sys/socket.h>, and a
// whole-module release build (`make release-static`) credits that header's declarations to CNetlink, so with
// Glibc alone this file no longer sees them once another file of the module imports CNetlink.
import CNetlink
import Glibc
import NetTypes

// Contract: one socket per interface and address family, non-blocking, used from one thread (the VRRP event
// loop). The socket belongs to the network namespace of the thread that created it. It never blocks: the loop
// waits for `fileDescriptor` to become readable (epoll or poll) and then calls `receive()` until it returns nil.

/// A raw socket for IP protocol 112 (VRRP) on one interface, IPv4 or IPv6.
///
/// IPv4 sends carry a header built here (`IP_HDRINCL`) rather than relying on `bind` for the source address: a
/// raw IPv4 socket bound to an address only receives packets whose destination is that address, so it would
/// never see adverts to 224.0.0.18. Building the header fixes the source that the VRRPv3 checksum covers
/// (RFC 5798 5.2.8) and leaves reception untouched, as keepalived does. IPv6 raw sockets take no header from
/// user space, but one bound to an address still receives the groups it joined, so IPv6 binds the source.
///
/// Needs `CAP_NET_RAW`.
public final class VRRPSocket {
    /// Where adverts go.
    public enum Transport: Hashable, Sendable {
        /// To 224.0.0.18 or ff02::12 (RFC 5798 5.1.1.2, 5.1.2.2); the socket joins that group on the interface.
        case multicast
        /// To each peer in turn (keepalived's `unicast_peer`), for networks that drop multicast.
        case unicast(peers: [IPAddress])
    }

    /// The IP protocol number of VRRP (RFC 5798 5.1.1.4).
    public static let protocolNumber: UInt8 = 112
    /// 224.0.0.18, the IPv4 VRRP group (RFC 5798 5.1.1.2).
    public static let ipv4Group = IPAddress.v4(0xE000_0012)
    /// ff02::12, the IPv6 VRRP group (RFC 5798 5.1.2.2).
    public static let ipv6Group = IPAddress.v6(IPv6Bytes(high: 0xFF02_0000_0000_0000, low: 0x12))

    public let interface: NetworkInterface
    /// The address adverts come from: the interface's primary IPv4 address or its IPv6 link-local address
    /// (RFC 5798 5.1.1.1, 5.1.2.1). Its family is the socket's.
    public let source: IPAddress
    /// Where `sendToEachDestination(_:)` sends: the group, or the unicast peers.
    public let destinations: [IPAddress]
    /// The socket, for the caller's event loop to wait on for readability. Owned by this object.
    public let fileDescriptor: Int32
    // Large enough for any IP datagram, so a raw read is never truncated.
    var receiveBuffer = [UInt8](repeating: 0, count: 65_536)

    /// Opens and configures the socket.
    ///
    /// For IPv6 the source must have finished duplicate address detection (see
    /// `InterfaceFacts.linkLocalIPv6Address(of:)`), or binding it fails with `EADDRNOTAVAIL`.
    public init(interface: NetworkInterface, source: IPAddress, transport: Transport = .multicast) throws {
        let group = source.family == .v4 ? Self.ipv4Group : Self.ipv6Group
        switch transport {
        case .multicast: destinations = [group]
        case .unicast(let peers): destinations = peers
        }
        guard destinations.allSatisfy({ $0.family == source.family }) else {
            throw SocketError(operation: "VRRP peers of another family than \(source)", code: EAFNOSUPPORT)
        }
        let domain = source.family == .v4 ? AF_INET : AF_INET6
        let type = Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = socket(domain, type, Int32(Self.protocolNumber))
        guard descriptor >= 0 else {
            throw SocketError(operation: "open a VRRP socket on \(interface)", code: errno)
        }
        self.interface = interface
        self.source = source
        self.fileDescriptor = descriptor
        // From here a throw runs deinit, which closes the descriptor.
        let options = SocketOptions(fileDescriptor: descriptor, interface: interface)
        try options.bindToDevice()
        switch source {
        case .v4:
            try options.configureIPv4(joining: transport == .multicast ? group : nil)
        case .v6(let address):
            try options.configureIPv6(joining: transport == .multicast ? group : nil)
            try options.bind(ipv6: address)
        }
    }

    deinit {
        close(fileDescriptor)
    }

    /// Sends one VRRP message to every destination: the group, or each unicast peer.
    ///
    /// The message is encoded per destination because the VRRPv3 checksum covers the destination address
    /// (RFC 5798 5.2.8): each unicast peer gets its own checksum. A failure towards one peer does not stop the
    /// others; the first failure is thrown after all were tried.
    ///
    /// - Parameter payload: the VRRP message for a destination, checksum included.
    public func sendToEachDestination(_ payload: (IPAddress) -> [UInt8]) throws {
        var firstFailure: Error?
        for destination in destinations {
            do {
                try send(payload: payload(destination), to: destination)
            } catch {
                firstFailure = firstFailure ?? error
            }
        }
        if let firstFailure { throw firstFailure }
    }

    /// Sends one VRRP message (`payload`, checksum included) to `destination`.
    public func send(payload: [UInt8], to destination: IPAddress) throws {
        let sent: Int
        switch (source, destination) {
        case (.v4(let from), .v4(let to)):
            let packet = IPv4Packet.vrrpHeader(source: from, destination: to, payloadLength: payload.count) + payload
            var address = SocketOptions.socketAddress(ipv4: to)
            sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fileDescriptor, packet, packet.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case (.v6, .v6(let to)):
            // The scope id matters for link-local peers and is ignored for other destinations.
            var address = SocketOptions.socketAddress(ipv6: to, scope: interface.index)
            sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fileDescriptor, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        default:
            throw SocketError(operation: "send VRRP from \(source) to \(destination)", code: EAFNOSUPPORT)
        }
        guard sent >= 0 else {
            throw SocketError(operation: "send VRRP to \(destination) on \(interface)", code: errno)
        }
    }

    /// The next queued VRRP packet, or nil when none is waiting. Never blocks.
    public func receive() throws -> VRRPDatagram? {
        while true {
            switch try readOne() {
            case .empty: return nil
            case .skipped: continue
            case .datagram(let datagram): return datagram
            }
        }
    }
}
