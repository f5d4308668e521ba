/// Reads byte sizes such as `max_lag`: a whole number of bytes, or a string with a unit (`"512kB"`, `"16MB"`,
/// `"1GB"`), the units PostgreSQL itself uses for WAL sizes (powers of 1024).
public enum ByteSizeParser {
    static let units: [(suffix: String, bytes: UInt64)] = [
        ("B", 1), ("kB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("TB", 1 << 40),
    ]

    static let syntaxHint = "use a whole number of bytes or a number followed by B, kB, MB, GB or TB, like \"16MB\""

    /// Parses `"16MB"`, `"512kB"`, `"0B"`; nil for anything else or an overflow.
    public static func parse(_ s: String) -> UInt64? {
        let digits = s.prefix { $0.isASCII && $0.isNumber }
        let suffix = s.dropFirst(digits.count)
        guard let unit = units.first(where: { $0.suffix == suffix }), let count = UInt64(digits) else { return nil }
        let (total, overflow) = count.multipliedReportingOverflow(by: unit.bytes)
        return overflow ? nil : total
    }
}
