import Glibc

/// A failed system call on a VRRP, ARP or neighbour-discovery socket, or an interface lookup.
public struct SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was being attempted, e.g. "join 224.0.0.18 on eth0".
    public var operation: String
    /// The `errno` value the call failed with.
    public var code: Int32

    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        "\(operation): \(String(cString: strerror(code))) (errno \(code))"
    }
}
