import CNetlink
import NetTypes

/// Adds and removes virtual IP addresses on an interface through rtnetlink (libnl-route-3).
///
/// Every operation is idempotent, because a VRRP instance re-asserts its state after restarts and races: adding
/// an address that is already there, or removing one that is not, succeeds and reports `false`.
///
/// Not thread-safe: use one manager from one thread at a time. It acts in the network namespace of the thread
/// that created it.
public final class VIPManager {
    private let netlink: RouteNetlinkSocket

    /// Opens an rtnetlink socket; needs `CAP_NET_ADMIN` for changes, none for listing.
    public init() throws {
        netlink = try RouteNetlinkSocket()
    }

    /// Adds `vip` to `interface`.
    ///
    /// IPv6 addresses carry `IFA_F_NODAD`: a VIP taken over from a failed master must answer at once, and the old
    /// master is not there to defend it. Use a /32 or /128 VIP unless the prefix differs from the interface's own:
    /// inside the primary's prefix an IPv4 VIP becomes a secondary that goes away with the primary.
    ///
    /// - Parameter label: an IPv4 alias label such as "eth0:vip"; the kernel requires it to start with the
    ///   interface name. Ignored for IPv6, which has no labels.
    /// - Returns: `true` if the address was added, `false` if it was already there.
    @discardableResult
    public func add(_ vip: IPNetwork, to interface: NetworkInterface, label: String? = nil) throws -> Bool {
        let operation = "add \(vip) to \(interface)"
        let request = try makeRequest(vip, interface: interface, operation: operation)
        defer { rtnl_addr_put(request) }
        switch vip.address.family {
        case .v4:
            if let label {
                let result = rtnl_addr_set_label(request, label)
                guard result >= 0 else { throw NetlinkError(operation: "\(operation) label \(label)", code: result) }
            }
        case .v6:
            rtnl_addr_set_flags(request, UInt32(IFA_F_NODAD))
        }
        // NLM_F_EXCL makes both families report an existing address as EEXIST; without it IPv6 silently
        // "modifies" the existing one.
        let result = rtnl_addr_add(netlink.handle, request, NLM_F_EXCL)
        if result == -NLE_EXIST { return false }
        guard result >= 0 else { throw NetlinkError(operation: operation, code: result) }
        return true
    }

    /// Removes `vip` (address and prefix length must both match) from `interface`.
    ///
    /// - Returns: `true` if the address was removed, `false` if it was not there.
    @discardableResult
    public func remove(_ vip: IPNetwork, from interface: NetworkInterface) throws -> Bool {
        let operation = "remove \(vip) from \(interface)"
        let request = try makeRequest(vip, interface: interface, operation: operation)
        defer { rtnl_addr_put(request) }
        let result = rtnl_addr_delete(netlink.handle, request, 0)
        // The kernel answers EADDRNOTAVAIL for an address that is not there; libnl maps it to NLE_NOADDR.
        if result == -NLE_NOADDR || result == -NLE_OBJ_NOTFOUND { return false }
        guard result >= 0 else { throw NetlinkError(operation: operation, code: result) }
        return true
    }

    /// Removes `address` from `interface` whatever its prefix length: a VIP left behind by a run that crashed
    /// while master, found at startup before the instance starts as backup.
    ///
    /// - Returns: what was removed, empty when the address was not there.
    @discardableResult
    public func removeStale(_ address: IPAddress, from interface: NetworkInterface) throws -> [IPNetwork] {
        let stale = try addresses(on: interface).map(\.network).filter { $0.address == address }
        return try stale.filter { try remove($0, from: interface) }
    }

    /// Every address on `interface`, VIPs included, in the kernel's order.
    public func addresses(on interface: NetworkInterface) throws -> [InterfaceAddress] {
        try netlink.addresses(onInterface: interface.index, name: interface.name)
    }

    private func makeRequest(_ vip: IPNetwork, interface: NetworkInterface, operation: String) throws
        -> OpaquePointer
    {
        guard let request = rtnl_addr_alloc() else { throw NetlinkError(operation: operation, code: NLE_NOMEM) }
        guard let local = RouteNetlinkSocket.makeAddress(vip) else {
            rtnl_addr_put(request)
            throw NetlinkError(operation: operation, code: NLE_NOMEM)
        }
        defer { nl_addr_put(local) }
        rtnl_addr_set_ifindex(request, interface.index)
        // set_local also sets the request's prefix length from `local`, so no separate set_prefixlen is needed.
        let result = rtnl_addr_set_local(request, local)
        guard result >= 0 else {
            rtnl_addr_put(request)
            throw NetlinkError(operation: operation, code: result)
        }
        return request
    }
}
