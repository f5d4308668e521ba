// Two of toml++ 3.4.0's reachable assertions lie on its way to a date-time (toml.hpp). `parse_value` first scans a
// value that starts with a digit for its type (``TOMLValueScan``):
// - A value whose scan saw "-", ":" and "T" (in the combinations of its "date-times" cases) goes to
//   `parse_date_time`, which reads a date "YYYY-MM-DD", then "T", "t" or a blank, and calls `parse_time`, which
//   asserts that a digit comes next: `a = 2000-01-01T:` aborts, while `a = 2000-13-01T:` (no such date) and
//   `a = 2000-01-01T` (no ":", so no date-time) are errors toml++ reports.
// - When the scan stops at a blank after ten characters that could be a date, it reads the blank and, if a digit
//   follows, that digit, then scans on, asserting that it does not stand on a value terminator: `a = 2000-01-01 1`
//   and a line break, or `[2000-01-01 1]`, abort before any date is checked. (So a blank never reaches the first.)
// Both found by the config-load fuzzer (Fuzz/ConfigLoad).

extension TOMLCrashGuard {
    /// The syntax error to report instead of the assertion toml++ would fail on the value at the start of `value`,
    /// which runs to the end of its line and includes the line break if there is one.
    static func dateTimeCrash(_ value: ArraySlice<UInt8>) -> String? {
        guard let scan = TOMLValueScan(value) else { return nil }
        let text = scan.text
        if text.count >= 12, isDate(text[..<10]), text[10] == "T" || text[10] == "t", !isDigit(text[11]),
            callsParseDateTime(scan)
        {
            let after = "'\(text[11].escaped(asASCII: true))'"
            return "Error while parsing date-time: expected a 2-digit hour after '\(text[10])', saw \(after)"
        }
        if let digit = digitAloneAfterBlank(scan) {
            let message = "Error while parsing date-time: expected a 2-digit hour after a date and a blank, saw "
            return message + "'\(digit)' alone"
        }
        return nil
    }

    /// The trait sets of `parse_value`'s "date-times" cases, besides the digits and how the value begins.
    private static let dateTimeTraits: [TOMLValueScan.Traits] = [
        [.minus, .colon, .t], [.plus, .minus, .colon, .t], [.minus, .colon, .dot, .t],
        [.plus, .minus, .colon, .dot, .t], [.minus, .colon, .z, .t], [.minus, .colon, .dot, .z, .t],
    ]

    /// Whether `parse_value` calls `parse_date_time` after `scan`: a digit first, no float or prefixed integer
    /// (the cases it tries before), and a date-time's traits.
    private static func callsParseDateTime(_ scan: TOMLValueScan) -> Bool {
        guard scan.traits.contains(.beginsDigit), scan.characters.count > 1, scan.characters[1] != ".",
            scan.traits.isDisjoint(with: [.p, .x, .o, .b, .e])
        else { return false }
        return dateTimeTraits.contains(scan.traits.subtracting([.digits, .beginsDigit, .beginsZero]))
    }

    /// The digit toml++ reads after a blank before it scans on from a value terminator: ten characters with "-"
    /// as the fifth and eighth and only digits and "-" among those that count for the type, a blank, one digit.
    private static func digitAloneAfterBlank(_ first: TOMLValueScan) -> Unicode.Scalar? {
        var scan = first
        let dateTraits: TOMLValueScan.Traits = [.digits, .beginsDigit, .beginsZero, .minus]
        guard scan.characters.count == 10, scan.traits.union(.beginsZero) == dateTraits,
            scan.characters[4] == "-", scan.characters[7] == "-", scan.current == " "
        else { return nil }
        scan.take(addingTraits: .t)
        guard let digit = scan.current, isDigit(digit) else { return nil }
        scan.take()
        guard let next = scan.current, TOMLValueScan.endsValue(next) else { return nil }
        return digit
    }

    /// "YYYY-MM-DD" with a month and a day of that month, as `parse_date` checks them.
    private static func isDate(_ text: ArraySlice<Unicode.Scalar>) -> Bool {
        let characters = Array(text)
        guard characters.count == 10, characters[4] == "-", characters[7] == "-",
            [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ isDigit(characters[$0]) })
        else { return false }
        func number(_ range: Range<Int>) -> Int {
            characters[range].reduce(0) { $0 * 10 + Int($1.value - ("0" as Unicode.Scalar).value) }
        }
        let year = number(0..<4)
        let month = number(5..<7)
        let day = number(8..<10)
        guard (1...12).contains(month) else { return false }
        let isLeapYear = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days: Int
        switch month {
        case 2: days = isLeapYear ? 29 : 28
        case 4, 6, 9, 11: days = 30
        default: days = 31
        }
        return (1...days).contains(day)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }
}
