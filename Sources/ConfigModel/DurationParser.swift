/// Reads the duration strings of `pgfloat.toml`: a positive whole number directly followed by a unit.
///
/// Whole numbers only, because every unit has a smaller one to switch to (`1500ms`, not `1.5s`), and that keeps
/// the written value exact.
public enum DurationParser {
    /// The units accepted, with their length in microseconds.
    static let units: [(suffix: String, microseconds: Int)] = [
        ("us", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000),
        ("d", 86_400_000_000),
    ]

    /// Wording shared by every "bad duration" message, so they all teach the same syntax.
    static let syntaxHint = "use a positive whole number followed by us, ms, s, m, h or d, like \"250ms\" or \"5s\""

    /// Parses `"250ms"`, `"5s"`, `"30m"`, `"1h"`, `"100us"`, `"2d"`.
    ///
    /// - Returns: The duration, or `nil` when the text is not digits directly followed by a known unit, when the
    ///   number is zero, or when the duration does not fit in 64-bit microseconds.
    /// `allowZero` admits `"0s"` for settings that zero turns off.
    public static func parse(_ s: String, allowZero: Bool = false) -> Duration? {
        let digits = s.prefix { $0.isASCII && $0.isNumber }
        let suffix = s.dropFirst(digits.count)
        guard
            let unit = units.first(where: { $0.suffix == suffix }),
            let count = Int(digits), count > 0 || allowZero
        else { return nil }
        let (total, overflow) = count.multipliedReportingOverflow(by: unit.microseconds)
        return overflow ? nil : .microseconds(total)
    }

    /// The shortest text `parse` reads back as `duration`: the largest unit that divides it exactly (`"1500ms"`,
    /// `"2m"`), for messages that quote a value. Durations finer than a microsecond are cut to whole ones.
    public static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let microseconds = Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000)
        guard microseconds != 0, let unit = units.last(where: { microseconds % $0.microseconds == 0 }) else {
            return "0s"
        }
        return "\(microseconds / unit.microseconds)\(unit.suffix)"
    }
}
