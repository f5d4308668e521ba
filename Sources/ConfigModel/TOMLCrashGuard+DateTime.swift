// toml++ 3.4.0 (toml.hpp, `parse_value`, `parse_date_time`, `parse_time`) reads a value that starts with a digit
// by first scanning it for its type: up to a value terminator (whitespace, "]", "}", ",", "#") and at most 127
// characters, noting the ":", "+", "-", ".", "T" and "Z" it sees ("_" is skipped but counted). A value with a "-", a
// ":" and a "T" (but not both "+" and "Z") goes to `parse_date_time`, which reads a date "YYYY-MM-DD", then "T", "t"
// or a blank, then calls `parse_time`, which asserts that a digit comes next. So `a = 2000-01-01T:` aborts, while
// `a = 2000-13-01T:` (no such date) and `a = 2000-01-01T` (no ":") are errors it reports. A blank instead of "T" is
// safe: the type scan only reads on past a blank that a digit follows. Found by the config-load fuzzer.

extension TOMLCrashGuard {
    /// The characters toml++ scans at most to tell a value's type (its `max_history_length` of 128, minus one).
    private static let valueTypeScanLength = 127

    /// Whether toml++ would fail its `parse_time` assertion on the value at the start of `value`: a real date,
    /// "T" or "t", no digit, and a type scan that makes it a date-time. `value` runs to the end of its line.
    static func isDateTimeWithoutTime(_ value: ArraySlice<UInt8>) -> Bool {
        let text = Array(value.prefix(12))
        guard text.count == 12, isDate(text[..<10]), text[10] | 0x20 == UInt8(ascii: "t"), !isDigit(text[11]) else {
            return false
        }
        let scanned = String(decoding: value, as: UTF8.self).unicodeScalars.prefix(valueTypeScanLength)
            .prefix { !endsValue($0) }
        return scanned.contains(":") && !(scanned.contains("+") && (scanned.contains("Z") || scanned.contains("z")))
    }

    /// "YYYY-MM-DD" with a month and a day of that month, as `parse_date` checks them.
    private static func isDate(_ text: ArraySlice<UInt8>) -> Bool {
        let digitPositions = [0, 1, 2, 3, 5, 6, 8, 9].map { text.startIndex + $0 }
        guard text.count == 10, text[text.startIndex + 4] == UInt8(ascii: "-"),
            text[text.startIndex + 7] == UInt8(ascii: "-"), digitPositions.allSatisfy({ isDigit(text[$0]) })
        else { return false }
        func number(_ offset: Int, _ length: Int) -> Int {
            text[(text.startIndex + offset)..<(text.startIndex + offset + length)]
                .reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        let year = number(0, 4)
        let month = number(5, 2)
        let day = number(8, 2)
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

    private static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// toml++'s `is_value_terminator`: its whitespace (ASCII and Unicode blanks and line breaks), "]", "}", ",", "#".
    private static func endsValue(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x23, 0x2C, 0x5D, 0x7D:
            return true
        case 0x85, 0xA0, 0x1680, 0x180E, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }
}
