/// PostgreSQL's text form of a WAL position (`pg_lsn`), such as `16/B374D848`: the high and low 32 bits of a byte
/// offset in the WAL stream, each in hexadecimal without leading zeros.
enum WALPosition {
    /// The byte offset `text` names; nil unless it is two groups of 1 to 8 hex digits around a `/`.
    static func parse(_ text: String) -> UInt64? {
        let halves = text.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, let high = hex32(halves[0]), let low = hex32(halves[1]) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// Parses hex digits only: `UInt32(_:radix:)` alone would also take a sign.
    private static func hex32(_ digits: Substring) -> UInt32? {
        guard (1...8).contains(digits.count), digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt32(digits, radix: 16)
    }
}
