import Glibc
import NetTypes

/// The `setsockopt` and `bind` calls that make a raw socket a VRRP socket on one interface.
struct SocketOptions {
    let fileDescriptor: Int32
    let interface: NetworkInterface

    /// `SO_BINDTODEVICE`: send out of and receive from this interface only, whatever the routing table says.
    func bindToDevice() throws {
        let result = interface.name.withCString { name in
            setsockopt(fileDescriptor, SOL_SOCKET, SO_BINDTODEVICE, name, socklen_t(strlen(name) + 1))
        }
        guard result == 0 else { throw SocketError(operation: "bind to device \(interface)", code: errno) }
    }

    /// The IPv4 options; TTL needs no option since the header built for `IP_HDRINCL` carries 255.
    func configureIPv4(joining group: IPAddress?) throws {
        let level = Int32(IPPROTO_IP)
        try set(level, IP_HDRINCL, Int32(1), "IP_HDRINCL")
        // ip_mreqn names the interface by index, which stays right when the interface has several addresses.
        try set(level, IP_MULTICAST_IF, membership(group: 0), "IP_MULTICAST_IF")
        // Our own adverts must not come back to us as if a peer sent them.
        try set(level, IP_MULTICAST_LOOP, Int32(0), "IP_MULTICAST_LOOP")
        if case .v4(let address) = group {
            try set(level, IP_ADD_MEMBERSHIP, membership(group: address), "join \(IPAddress.v4(address))")
        }
    }

    /// The IPv6 options: hop limit 255 for multicast and unicast (RFC 5798 5.1.2.3), hop limit and destination
    /// reported with every packet received.
    ///
    /// `IPV6_CHECKSUM` stays off: the VRRP codec computes and verifies the checksum itself, as it must for
    /// IPv4, and counts bad ones instead of having the kernel drop them unseen.
    func configureIPv6(joining group: IPAddress?) throws {
        let level = Int32(IPPROTO_IPV6)
        try set(level, IPV6_MULTICAST_IF, interface.index, "IPV6_MULTICAST_IF")
        try set(level, IPV6_MULTICAST_HOPS, Int32(255), "IPV6_MULTICAST_HOPS")
        try set(level, IPV6_UNICAST_HOPS, Int32(255), "IPV6_UNICAST_HOPS")
        try set(level, IPV6_MULTICAST_LOOP, Int32(0), "IPV6_MULTICAST_LOOP")
        try set(level, IPV6_RECVHOPLIMIT, Int32(1), "IPV6_RECVHOPLIMIT")
        try set(level, IPV6_RECVPKTINFO, Int32(1), "IPV6_RECVPKTINFO")
        if case .v6(let address) = group {
            var request = ipv6_mreq()
            request.ipv6mr_multiaddr = Self.inAddress6(address)
            request.ipv6mr_interface = UInt32(bitPattern: interface.index)
            try set(level, IPV6_ADD_MEMBERSHIP, request, "join \(IPAddress.v6(address))")
        }
    }

    /// Binds the IPv6 source, so the kernel sends from the address the checksum pseudo-header names.
    func bind(ipv6 address: IPv6Bytes) throws {
        var socketAddress = Self.socketAddress(ipv6: address, scope: interface.index)
        let result = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fileDescriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        guard result == 0 else {
            throw SocketError(operation: "bind VRRP socket to \(IPAddress.v6(address))", code: errno)
        }
    }

    static func socketAddress(ipv4 address: UInt32) -> sockaddr_in {
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_addr.s_addr = address.bigEndian
        return socketAddress
    }

    /// A sockaddr_in6 for `address`; `scope` is the interface index that link-local addresses need.
    static func socketAddress(ipv6 address: IPv6Bytes, scope: Int32) -> sockaddr_in6 {
        var socketAddress = sockaddr_in6()
        socketAddress.sin6_family = sa_family_t(AF_INET6)
        socketAddress.sin6_addr = inAddress6(address)
        socketAddress.sin6_scope_id = UInt32(bitPattern: scope)
        return socketAddress
    }

    private static func inAddress6(_ address: IPv6Bytes) -> in6_addr {
        var result = in6_addr()
        withUnsafeMutableBytes(of: &result) { $0.copyBytes(from: address.bytes) }
        return result
    }

    private func membership(group: UInt32) -> ip_mreqn {
        var request = ip_mreqn()
        request.imr_multiaddr.s_addr = group.bigEndian
        request.imr_ifindex = interface.index
        return request
    }

    private func set<Value>(_ level: Int32, _ name: Int32, _ value: Value, _ option: String) throws {
        let result = withUnsafeBytes(of: value) { bytes in
            setsockopt(fileDescriptor, level, name, bytes.baseAddress, socklen_t(bytes.count))
        }
        guard result == 0 else { throw SocketError(operation: "\(option) on \(interface)", code: errno) }
    }
}
