/// The authentication field of a VRRPv2 advertisement (RFC 3768 5.3.6, 5.3.10; RFC 2338 5.3.6).
///
/// VRRPv3 has no such field. RFC 3768 keeps type 1 only for compatibility with RFC 2338, and keepalived still
/// offers it as `auth_type PASS`, so pgfloat reads and writes it to interoperate.
public enum VRRPAuthentication: Hashable, Sendable {
    /// Type 0: no authentication; the eight data bytes are zero on send and ignored on receipt.
    case none
    /// Type 1: a clear-text password of up to eight bytes, padded with zero bytes to eight.
    case simpleText([UInt8])
    /// Any other type, such as 2 (IP Authentication Header, RFC 2338), which pgfloat does not speak.
    case unsupported(type: UInt8)

    /// The password as eight zero-padded bytes, as keepalived sends `auth_pass` (longer text is cut at eight).
    public static func simpleText(password: String) -> VRRPAuthentication {
        .simpleText(paddedPassword(Array(password.utf8)))
    }

    /// The Auth Type octet.
    public var typeCode: UInt8 {
        switch self {
        case .none: return 0
        case .simpleText: return 1
        case .unsupported(let type): return type
        }
    }

    /// The eight Authentication Data bytes as they go on the wire.
    var wireData: [UInt8] {
        switch self {
        case .none, .unsupported: return [UInt8](repeating: 0, count: 8)
        case .simpleText(let bytes): return Self.paddedPassword(bytes)
        }
    }

    private static func paddedPassword(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.prefix(8)) + [UInt8](repeating: 0, count: max(0, 8 - bytes.count))
    }
}
