import PGWire
import XCTest

/// Big-endian bytes of a 32-bit value, for building golden packets by hand.
func be32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// ASCII/UTF-8 bytes of `string` followed by a NUL terminator.
func cstring(_ string: String) -> [UInt8] {
    Array(string.utf8) + [0]
}

/// SplitMix64: a tiny deterministic generator, so fuzz failures reproduce exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Golden packets, written out byte by byte from PostgreSQL's "Message Formats" page.
enum Golden {
    /// SSLRequest: length 8, code 80877103 (0x04d2162f).
    static let sslRequest: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F]
    /// GSSENCRequest: length 8, code 80877104 (0x04d21630).
    static let gssencRequest: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x30]
    /// Classic CancelRequest: length 16, code 80877102 (0x04d2162e), pid 0x00003039 (12345), key DE AD BE EF.
    static let classicCancel: [UInt8] = [
        0, 0, 0, 16, 0x04, 0xD2, 0x16, 0x2E,
        0, 0, 0x30, 0x39,
        0xDE, 0xAD, 0xBE, 0xEF,
    ]
    /// StartupMessage 3.0 with user=alice, database=shop.
    static let startup: [UInt8] = {
        let body: [UInt8] = [0x00, 0x03, 0x00, 0x00]  // Protocol 3.0.
            + [0x75, 0x73, 0x65, 0x72, 0x00]  // "user\0"
            + [0x61, 0x6C, 0x69, 0x63, 0x65, 0x00]  // "alice\0"
            + [0x64, 0x61, 0x74, 0x61, 0x62, 0x61, 0x73, 0x65, 0x00]  // "database\0"
            + [0x73, 0x68, 0x6F, 0x70, 0x00]  // "shop\0"
            + [0x00]  // List terminator.
        return [0, 0, 0, UInt8(4 + body.count)] + body
    }()

    /// A PostgreSQL 18 cancel request with a 32-byte key 0x00, 0x01, ... 0x1F.
    static let pg18Cancel: [UInt8] =
        [0, 0, 0, 44, 0x04, 0xD2, 0x16, 0x2E] + [0x00, 0x01, 0xE2, 0x40] + (0..<32).map { UInt8($0) }

    static let all: [(name: String, bytes: [UInt8])] = [
        ("sslRequest", sslRequest), ("gssencRequest", gssencRequest), ("classicCancel", classicCancel),
        ("pg18Cancel", pg18Cancel), ("startup", startup),
    ]
}
