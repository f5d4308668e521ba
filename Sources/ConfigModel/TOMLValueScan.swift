/// What toml++ 3.4.0's `parse_value` learns about a value that starts with a digit or a sign before it picks a
/// parser: it reads on to a value terminator, the end of the text, or 127 characters, and notes "traits" (toml.hpp,
/// `value_traits` and the `scan` lambda). ``TOMLCrashGuard`` repeats the scan to know which path toml++ takes.
struct TOMLValueScan {
    struct Traits: OptionSet {
        let rawValue: Int
        static let digits = Traits(rawValue: 1 << 0)
        /// "b" as the second character after "0".
        static let b = Traits(rawValue: 1 << 1)
        /// "e" as a float's exponent could be one.
        static let e = Traits(rawValue: 1 << 2)
        static let o = Traits(rawValue: 1 << 3)
        static let p = Traits(rawValue: 1 << 4)
        static let t = Traits(rawValue: 1 << 5)
        static let x = Traits(rawValue: 1 << 6)
        static let z = Traits(rawValue: 1 << 7)
        static let colon = Traits(rawValue: 1 << 8)
        static let plus = Traits(rawValue: 1 << 9)
        static let minus = Traits(rawValue: 1 << 10)
        static let dot = Traits(rawValue: 1 << 11)
        static let beginsSign = Traits(rawValue: 1 << 12)
        static let beginsDigit = Traits(rawValue: 1 << 13)
        static let beginsZero = Traits(rawValue: 1 << 14)
    }

    /// toml++'s `max_history_length` (128) minus one: how many characters it reads ahead at most.
    static let lengthLimit = 127

    /// The value's first characters, as many as toml++ may read: its scan, a blank, a digit and one more. They
    /// end at the end of the value's line, after its line break if it has one.
    let text: [Unicode.Scalar]
    private(set) var traits: Traits = []
    /// The characters read so far, without "_", which toml++ skips (`chars`).
    private(set) var characters: [Unicode.Scalar] = []
    /// The characters read so far, "_" included (`advance_count`).
    private(set) var advances = 0

    /// The scan of the value at the start of `line`; nil unless it starts with a digit, "+" or "-".
    init?(_ line: ArraySlice<UInt8>) {
        switch line.first ?? 0 {
        case UInt8(ascii: "0"): traits = [.beginsDigit, .beginsZero]
        case UInt8(ascii: "1")...UInt8(ascii: "9"): traits = .beginsDigit
        case UInt8(ascii: "+"), UInt8(ascii: "-"): traits = .beginsSign
        default: return nil
        }
        // Up to four bytes a character: a cut there only damages characters past those toml++ reads.
        let readable = line.prefix(4 * (Self.lengthLimit + 3))
        text = Array(String(decoding: readable, as: UTF8.self).unicodeScalars)
        scan()
    }

    /// The character the scan stands on, nil at the end of the text.
    var current: Unicode.Scalar? { advances < text.count ? text[advances] : nil }

    /// toml++'s `is_value_terminator`: its whitespace (ASCII and Unicode blanks and line breaks), "]", "}", ",", "#".
    static func endsValue(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x23, 0x2C, 0x5D, 0x7D:
            return true
        case 0x85, 0xA0, 0x1680, 0x180E, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    /// Reads on from `current` as toml++'s `scan`, which asserts that `current` ends no value; the caller checks.
    mutating func scan() {
        guard current != nil else { return }
        repeat {
            if let scalar = current, scalar != "_" {
                characters.append(scalar)
                note(scalar)
            }
            advances += 1
        } while advances < Self.lengthLimit && current.map({ !Self.endsValue($0) }) ?? false
    }

    /// Reads `current` as an extra character outside `scan`, as toml++ does with the blank of "YYYY-MM-DD HH:MM".
    mutating func take(addingTraits extra: Traits = []) {
        if let scalar = current { characters.append(scalar) }
        traits.formUnion(extra)
        advances += 1
    }

    private mutating func note(_ scalar: Unicode.Scalar) {
        let count = characters.count
        // toml++ matches ASCII letters in either case.
        let letter = ("A"..."Z").contains(scalar) ? Unicode.Scalar(UInt8(scalar.value) | 0x20) : scalar
        switch letter {
        case "0"..."9":
            traits.insert(.digits)
        case "b" where count == 2 && traits.contains(.beginsZero):
            traits.insert(.b)
        case "e"
        where count > 1 && traits.isDisjoint(with: [.b, .o, .p, .t, .x, .z, .colon])
            && (traits.isDisjoint(with: [.plus, .minus]) || traits.contains(.beginsSign)):
            traits.insert(.e)
        case "o" where count == 2 && traits.contains(.beginsZero):
            traits.insert(.o)
        case "p" where traits.contains(.x):
            traits.insert(.p)
        case "x"
        where (count == 2 && traits.contains(.beginsZero))
            || (count == 3 && traits.contains(.beginsSign) && characters[1] == "0"):
            traits.insert(.x)
        case "t":
            traits.insert(.t)
        case "z":
            traits.insert(.z)
        case "+":
            traits.insert(.plus)
        case "-":
            traits.insert(.minus)
        case ".":
            traits.insert(.dot)
        case ":":
            traits.insert(.colon)
        default:
            break
        }
    }
}
