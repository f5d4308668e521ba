import CNetlink

/// A failed rtnetlink request, with libnl's own text for the error.
public struct NetlinkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was being attempted, e.g. "add 192.0.2.10/32 to eth0".
    public var operation: String
    /// libnl's error code (`NLE_*`), positive: libnl functions return it negated.
    public var code: Int32
    /// `nl_geterror(code)`, e.g. "Object exists".
    public var message: String

    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = abs(code)
        self.message = String(cString: nl_geterror(abs(code)))
    }

    public var description: String { "\(operation): \(message) (libnl error \(code))" }
}
