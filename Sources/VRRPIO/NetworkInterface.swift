import Glibc

/// A network interface by name and kernel index, as the VRRP instance's `interface` names it.
///
/// Lookups run in the calling thread's network namespace.
public struct NetworkInterface: Hashable, Sendable, CustomStringConvertible {
    /// The interface name, e.g. "eth0"; `SO_BINDTODEVICE` needs it.
    public let name: String
    /// The kernel's index; netlink requests and multicast membership need it.
    public let index: Int32

    /// Looks the interface up by name.
    public init(named name: String) throws {
        let index = if_nametoindex(name)
        guard index != 0 else { throw SocketError(operation: "look up interface \(name)", code: errno) }
        self.name = name
        self.index = Int32(bitPattern: index)
    }

    /// Looks the interface up by index.
    public init(index: Int32) throws {
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE))
        guard if_indextoname(UInt32(bitPattern: index), &buffer) != nil else {
            throw SocketError(operation: "look up interface index \(index)", code: errno)
        }
        self.name = String(cString: buffer)
        self.index = index
    }

    public var description: String { name }
}
