// Text forms of IP addresses.
//
// Parsing accepts dotted quads (no leading zeros, so "010" is never read as octal) and the IPv6 forms of
// RFC 4291 2.2: eight groups, one "::" run of zeros, and a trailing dotted quad. Zone ids ("%eth0") are not
// addresses and are rejected. Printing uses the canonical IPv6 form of RFC 5952 4 so logs and metrics labels
// compare as strings.

extension IPAddress {
    /// Parses "192.0.2.1" or an RFC 4291 2.2 IPv6 text form ("2001:db8::1", "::ffff:192.0.2.1").
    ///
    /// Returns nil for anything else, including surrounding whitespace, brackets and zone ids.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        if utf8.contains(UInt8(ascii: ":")) {
            guard let bytes = Self.parseIPv6(utf8) else { return nil }
            self = .v6(IPv6Bytes(bytes))
        } else {
            guard let value = Self.parseIPv4(utf8[...]) else { return nil }
            self = .v4(value)
        }
    }

    /// Dotted quad for IPv4; RFC 5952 canonical text for IPv6.
    public var description: String {
        switch self {
        case .v4(let value):
            return Self.dottedQuad(value)
        case .v6(let value):
            return Self.canonicalIPv6(value.bytes)
        }
    }

    // MARK: - IPv4

    private static func parseIPv4(_ text: ArraySlice<UInt8>) -> UInt32? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let octet = parseDecimalOctet(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    private static func parseDecimalOctet(_ digits: ArraySlice<UInt8>) -> UInt8? {
        guard (1...3).contains(digits.count) else { return nil }
        // A leading zero is ambiguous (inet_aton reads it as octal), so only "0" itself may start with one.
        if digits.count > 1 && digits.first == UInt8(ascii: "0") { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }

    private static func dottedQuad(_ value: UInt32) -> String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }

    // MARK: - IPv6

    /// RFC 4291 2.2: up to eight 16-bit hex groups, at most one "::", optionally ending in a dotted quad that
    /// stands for the last two groups.
    private static func parseIPv6(_ text: [UInt8]) -> [UInt8]? {
        let colon = UInt8(ascii: ":")
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawDoubleColon = false
        var index = 0

        if text.starts(with: [colon, colon]) {
            sawDoubleColon = true
            index = 2
            if index == text.count { return [UInt8](repeating: 0, count: 16) }
        } else if text.first == colon {
            return nil
        }

        while index < text.count {
            let end = text[index...].firstIndex(of: colon) ?? text.count
            let field = text[index..<end]
            var groups: [UInt16]
            if field.contains(UInt8(ascii: ".")) {
                // An embedded IPv4 address must be the last field.
                guard end == text.count, let value = parseIPv4(field) else { return nil }
                groups = [UInt16(value >> 16), UInt16(value & 0xFFFF)]
            } else {
                guard let group = parseHexGroup(field) else { return nil }
                groups = [group]
            }
            if sawDoubleColon { tail += groups } else { head += groups }
            if end == text.count { break }
            // Past a colon: either another field follows, or this is the one "::".
            index = end + 1
            if index < text.count && text[index] == colon {
                guard !sawDoubleColon else { return nil }
                sawDoubleColon = true
                index += 1
                if index == text.count { break }
            } else if index == text.count {
                return nil  // a single trailing colon
            }
        }

        let explicit = head.count + tail.count
        if sawDoubleColon {
            // "::" stands for one or more zero groups (RFC 4291 2.2 item 2).
            guard explicit <= 7 else { return nil }
            head += [UInt16](repeating: 0, count: 8 - explicit) + tail
        } else {
            guard explicit == 8 else { return nil }
        }
        return head.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    private static func parseHexGroup(_ digits: ArraySlice<UInt8>) -> UInt16? {
        guard (1...4).contains(digits.count) else { return nil }
        var value: UInt16 = 0
        for digit in digits {
            guard let nibble = hexValue(digit) else { return nil }
            value = value << 4 | UInt16(nibble)
        }
        return value
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// RFC 5952 4: lowercase hex without leading zeros (4.1, 4.3); "::" replaces the longest run of two or more
    /// zero groups, the first such run on a tie (4.2). IPv4-mapped addresses end in a dotted quad (5).
    private static func canonicalIPv6(_ bytes: [UInt8]) -> String {
        let groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
        if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xFFFF {
            let value = UInt32(groups[6]) << 16 | UInt32(groups[7])
            return "::ffff:" + dottedQuad(value)
        }

        var bestStart = -1
        var bestLength = 1  // RFC 5952 4.2.2: a single zero group is never shortened.
        var runStart = 0
        var runLength = 0
        for (position, group) in groups.enumerated() {
            if group == 0 {
                if runLength == 0 { runStart = position }
                runLength += 1
                if runLength > bestLength {
                    bestStart = runStart
                    bestLength = runLength
                }
            } else {
                runLength = 0
            }
        }

        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}
