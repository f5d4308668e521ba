import CNetlink
import NetTypes

// Contract: one libnl socket connected to NETLINK_ROUTE, used by one thread at a time (libnl sockets are not
// thread-safe). The socket belongs to the network namespace of the thread that created it, for its whole life,
// whichever thread later uses it.

/// An rtnetlink socket through libnl-route-3, shared by `VIPManager` and `InterfaceFacts`.
final class RouteNetlinkSocket {
    let handle: OpaquePointer

    init() throws {
        guard let handle = nl_socket_alloc() else {
            throw NetlinkError(operation: "allocate a netlink socket", code: NLE_NOMEM)
        }
        let result = nl_connect(handle, NETLINK_ROUTE)
        guard result >= 0 else {
            nl_socket_free(handle)
            throw NetlinkError(operation: "connect to rtnetlink", code: result)
        }
        self.handle = handle
    }

    deinit {
        // Closes the file descriptor too.
        nl_socket_free(handle)
    }

    /// Every address on interface `index`, in the kernel's order (primaries before their secondaries).
    func addresses(onInterface index: Int32, name: String) throws -> [InterfaceAddress] {
        var cache: OpaquePointer?
        let result = rtnl_addr_alloc_cache(handle, &cache)
        guard result >= 0, let cache else {
            throw NetlinkError(operation: "list addresses on \(name)", code: result)
        }
        defer { nl_cache_free(cache) }

        var addresses: [InterfaceAddress] = []
        var object = nl_cache_get_first(cache)
        while let current = object {
            // Every object in an address cache is a struct rtnl_addr; both import as OpaquePointer.
            if rtnl_addr_get_ifindex(current) == index, let decoded = Self.decode(current) {
                addresses.append(decoded)
            }
            object = nl_cache_get_next(current)
        }
        return addresses
    }

    /// The link of interface `index`, fetched from the kernel; the caller releases it with `rtnl_link_put`.
    func link(ofInterface index: Int32, name: String) throws -> OpaquePointer {
        var link: OpaquePointer?
        let result = rtnl_link_get_kernel(handle, index, nil, &link)
        guard result >= 0, let link else {
            throw NetlinkError(operation: "read link state of \(name)", code: result)
        }
        return link
    }

    private static func decode(_ address: OpaquePointer) -> InterfaceAddress? {
        guard let local = rtnl_addr_get_local(address),
            let ip = ipAddress(of: local),
            let network = IPNetwork(address: ip, prefixLength: Int(rtnl_addr_get_prefixlen(address)))
        else { return nil }
        let flags = rtnl_addr_get_flags(address)
        let label = rtnl_addr_get_label(address).map { String(cString: $0) }
        return InterfaceAddress(
            network: network,
            label: label,
            isSecondary: flags & UInt32(IFA_F_SECONDARY) != 0,
            isTentative: flags & UInt32(IFA_F_TENTATIVE) != 0,
            isLinkScope: rtnl_addr_get_scope(address) == Int32(RT_SCOPE_LINK.rawValue)
        )
    }

    /// The bytes of a libnl address as an IPAddress; nil for anything but 4 or 16 bytes.
    static func ipAddress(of address: OpaquePointer) -> IPAddress? {
        bytes(of: address).flatMap { IPAddress(bytes: $0) }
    }

    static func bytes(of address: OpaquePointer) -> [UInt8]? {
        guard let base = nl_addr_get_binary_addr(address) else { return nil }
        let count = Int(nl_addr_get_len(address))
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// A libnl address for `network`: the host address with its prefix length. Released with `nl_addr_put`.
    static func makeAddress(_ network: IPNetwork) -> OpaquePointer? {
        let family = network.address.family == .v4 ? AF_INET : AF_INET6
        var bytes = network.address.bytes
        guard let address = nl_addr_build(family, &bytes, bytes.count) else { return nil }
        nl_addr_set_prefixlen(address, Int32(network.prefixLength))
        return address
    }
}
