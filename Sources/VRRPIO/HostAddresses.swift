import Glibc
import NetTypes

/// The IP addresses of every interface of this host, by interface name, from `getifaddrs` (rtnetlink dumps
/// inside glibc). Reads the network namespace of the calling thread; needs no privilege.
public enum HostAddresses {
    /// Every interface, with its IPv4 and IPv6 addresses (an empty list for one without any).
    public static func byInterface() throws -> [String: [IPAddress]] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { throw SocketError(operation: "list this host's addresses", code: errno) }
        defer { freeifaddrs(list) }
        var found: [String: [IPAddress]] = [:]
        var entry = list
        while let current = entry {
            let name = String(cString: current.pointee.ifa_name)
            found[name, default: []] += address(of: current.pointee.ifa_addr).map { [$0] } ?? []
            entry = current.pointee.ifa_next
        }
        return found
    }

    private static func address(of socketAddress: UnsafeMutablePointer<sockaddr>?) -> IPAddress? {
        guard let socketAddress else { return nil }
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            return socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin_addr) { IPAddress(bytes: $0) }
            }
        case AF_INET6:
            return socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin6_addr) { IPAddress(bytes: $0) }
            }
        default:
            return nil
        }
    }
}
