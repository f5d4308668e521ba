import CNetlink
import Glibc
import NetTypes

/// What VRRP needs to know about an interface: link state for `track_interface`, the MAC for gratuitous ARP and
/// neighbour advertisements, and the address that VRRP adverts come from (RFC 5798 5.1.1.1, 5.1.2.1).
///
/// Not thread-safe: use from one thread at a time. It reads the network namespace of the thread that created it.
public final class InterfaceFacts {
    private let netlink: RouteNetlinkSocket

    /// Opens an rtnetlink socket; reading needs no privilege.
    public init() throws {
        netlink = try RouteNetlinkSocket()
    }

    /// Whether `interface` is administratively up and operationally running.
    public func linkState(of interface: NetworkInterface) throws -> LinkState {
        let link = try netlink.link(ofInterface: interface.index, name: interface.name)
        defer { rtnl_link_put(link) }
        let flags = rtnl_link_get_flags(link)
        return LinkState(
            isUp: flags & UInt32(IFF_UP) != 0,
            isRunning: flags & UInt32(IFF_RUNNING) != 0
        )
    }

    /// The interface's Ethernet address; nil when it has none (loopback-like or layer-3 devices such as tun).
    public func hardwareAddress(of interface: NetworkInterface) throws -> MACAddress? {
        let link = try netlink.link(ofInterface: interface.index, name: interface.name)
        defer { rtnl_link_put(link) }
        guard let address = rtnl_link_get_addr(link), let bytes = RouteNetlinkSocket.bytes(of: address),
            bytes.contains(where: { $0 != 0 })
        else { return nil }
        return MACAddress(bytes: bytes)
    }

    /// The source address for IPv4 adverts: the first primary (not secondary) IPv4 address, as keepalived picks.
    ///
    /// - Parameter excluded: addresses that must not be chosen, normally the instance's VIPs: a VIP that sits
    ///   outside the interface's prefix is itself a primary and could come first after a restart.
    public func primaryIPv4Address(of interface: NetworkInterface, excluding excluded: Set<IPAddress> = [])
        throws -> IPAddress?
    {
        try netlink.addresses(onInterface: interface.index, name: interface.name).first {
            $0.network.address.family == .v4 && !$0.isSecondary && !excluded.contains($0.network.address)
        }?.network.address
    }

    /// The source address for IPv6 adverts, which RFC 5798 5.1.2.1 requires to be link-local: the first
    /// link-local address that has finished duplicate address detection. Nil while it is still tentative.
    public func linkLocalIPv6Address(of interface: NetworkInterface) throws -> IPAddress? {
        try netlink.addresses(onInterface: interface.index, name: interface.name).first {
            $0.network.address.family == .v6 && $0.isLinkScope && !$0.isTentative
        }?.network.address
    }
}
