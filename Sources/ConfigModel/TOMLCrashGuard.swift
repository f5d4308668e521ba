import TOMLKit

// A guard for crashes in toml++ 3.4.0, the parser inside TOMLKit 0.6.0. Its parser checks its preconditions with
// assertions, which SwiftPM keeps (no NDEBUG; with NDEBUG they become assumptions, undefined behaviour), and four
// of them can be reached from malformed text, aborting the process:
// - a table header whose name starts with neither a key character nor a quote: `[#`, `[` alone on a line, `[[=`,
//   `[[[a]]]` (`parse_key`; marzer/tomlplusplus#294, fixed upstream by #301, not in the copy TOMLKit ships);
// - an array element that starts with `}` or a Unicode line separator (U+0085, U+2028, U+2029): `a = [}`,
//   `a = [1, }` (`parse_value`, called by `parse_array` without the check the key-value path makes);
// - a value on its way to a date-time with no digit after its "T", `a = 2000-01-01T:` (`parse_time`), or with one
//   digit after a blank, `a = 2000-01-01 1` (`parse_value`; both in TOMLCrashGuard+DateTime.swift).
// `pgfloat check`, start and every reload would die on such a typo, so the loader finds these places first and
// reports them as syntax errors. Found by the config-load fuzzer (Fuzz/ConfigLoad).

extension ConfigLoader {
    /// The text parsed by TOMLKit, or its first syntax error as `FILE:LINE: syntax: message`.
    static func parseTOML(_ text: String, path: String) throws -> TOMLTable {
        if let crash = TOMLCrashGuard.firstCrash(in: text) {
            // toml++ stops at its first error, so an error before the crash point is the one it would report. The
            // text is cut there, so an end-of-file error is the cut's own.
            do {
                _ = try TOMLTable(string: crash.textBefore)
            } catch let error as TOMLParseError {
                if !error.description.contains("end-of-file") { throw syntaxError(error, path: path) }
            }
            throw ConfigErrors([ConfigProblem(file: path, line: crash.line, key: "syntax", message: crash.message)])
        }
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw syntaxError(error, path: path)
        }
    }

    private static func syntaxError(_ error: TOMLParseError, path: String) -> ConfigErrors {
        ConfigErrors([
            ConfigProblem(file: path, line: error.source.begin.line, key: "syntax", message: error.description)
        ])
    }
}

/// Finds the first place where toml++ 3.4.0 would fail an assertion instead of reporting a syntax error.
///
/// It follows TOML's structure as toml++ reads it: one statement (key-value pair or table header) per line, values
/// that continue over lines only inside arrays and multi-line strings, comments to the end of the line. That is
/// exact up to the first syntax error, the only text toml++ reads; past it, a finding only changes which of two
/// syntax errors is reported.
enum TOMLCrashGuard {
    struct Crash: Equatable {
        /// 1-based.
        var line: Int
        /// The text up to the byte toml++ would crash on.
        var textBefore: String
        var message: String
    }

    static func firstCrash(in text: String) -> Crash? {
        var scanner = Scanner(bytes: Array(text.utf8))
        guard let (offset, message) = scanner.firstCrash() else { return nil }
        let before = scanner.bytes[..<offset]
        return Crash(
            line: before.reduce(1) { $1 == .newline ? $0 + 1 : $0 },
            textBefore: String(decoding: before, as: UTF8.self), message: message)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        /// The arrays (`[`) and inline tables (`{`) open around the current byte.
        var open: [UInt8] = []
        /// After `=`, or in an array after `[` or `,`: the next significant byte starts a value.
        var atValue = false
        /// The quote of an open `"""` or `'''` string.
        var multilineQuote: UInt8?

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // toml++ skips a byte order mark at the very start.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        var isInsideValue: Bool { !open.isEmpty || multilineQuote != nil }

        /// The offset of the first byte toml++ would crash on, with the syntax error to report instead.
        mutating func firstCrash() -> (offset: Int, message: String)? {
            while index < bytes.count {
                let lineEnd = bytes[index...].firstIndex(of: .newline) ?? bytes.count
                if let crash = isInsideValue ? scanValue(until: lineEnd) : scanStatement(until: lineEnd) {
                    return crash
                }
                index = lineEnd + 1
            }
            return nil
        }

        /// A line that starts a statement: a table header, a key-value pair, or nothing (blank or comment).
        private mutating func scanStatement(until end: Int) -> (offset: Int, message: String)? {
            while index < end && (bytes[index] == .space || bytes[index] == .tab) { index += 1 }
            guard index < end else { return nil }
            if bytes[index] == .openBracket { return tableHeaderName(until: end) }
            if bytes[index] == .hash { return nil }
            // Key-value pair: the value starts after the first "=" outside the key's quotes. Without one toml++
            // reports an error itself.
            guard let equals = SourceMap.firstUnquoted(.equals, in: bytes[index..<end]) else { return nil }
            index = equals + 1
            atValue = true
            return scanValue(until: end)
        }

        /// What stands where toml++'s `parse_table_header` calls `parse_key`, if it cannot start a key.
        private func tableHeaderName(until end: Int) -> (offset: Int, message: String)? {
            // As parse_table_header: "[", blanks, a second "[" only if no blank came between, blanks.
            var position = index + 1
            let afterBracket = position
            while position < end && (bytes[position] == .space || bytes[position] == .tab) { position += 1 }
            if position < end && bytes[position] == .openBracket && position == afterBracket {
                position += 1
                while position < end && (bytes[position] == .space || bytes[position] == .tab) { position += 1 }
            }
            // At the end of the text toml++ reports "encountered end-of-file"; a line break makes it crash.
            guard position < bytes.count else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), .doubleQuote, .singleQuote,
                .closeBracket:
                return nil
            default:
                let message = "Error while parsing table header: expected a table name after \"[\", saw "
                return (position, message + shown(at: position))
            }
        }

        /// Value text up to `end`: strings, arrays, inline tables, scalars, and a comment to the end of the line.
        private mutating func scanValue(until end: Int) -> (offset: Int, message: String)? {
            while index < end {
                let byte = bytes[index]
                if let quote = multilineQuote {
                    if byte == .backslash && quote == .doubleQuote {
                        index += 2
                    } else if isTriple(quote, at: index) {
                        multilineQuote = nil
                        index += 3
                    } else {
                        index += 1
                    }
                    continue
                }
                switch byte {
                case .space, .tab, .carriageReturn:
                    index += 1
                    continue
                case .hash:
                    index = end
                    continue
                default:
                    break
                }
                if atValue, let crash = valueStartCrash(until: end) { return crash }
                atValue = false
                switch byte {
                case .doubleQuote, .singleQuote:
                    if isTriple(byte, at: index) {
                        multilineQuote = byte
                        index += 3
                    } else {
                        index = endOfString(quote: byte, from: index + 1, before: end)
                    }
                    continue
                case .openBracket:
                    open.append(byte)
                    atValue = true
                case .openBrace:
                    open.append(byte)
                case .closeBracket, .closeBrace:
                    if !open.isEmpty { open.removeLast() }
                case UInt8(ascii: ","):
                    atValue = open.last == .openBracket
                case .equals:
                    // In an inline table; at the top level a second "=" is toml++'s own error.
                    atValue = open.last == .openBrace
                default:
                    break
                }
                index += 1
            }
            return nil
        }

        /// The crash of a value that starts at `index`, placed at that first byte: the text cut there ends
        /// in the middle of a statement, which toml++ reports as end-of-file, so an error before it stays first.
        private func valueStartCrash(until end: Int) -> (offset: Int, message: String)? {
            let byte = bytes[index]
            if open.last == .openBracket && (byte == .closeBrace || isUnicodeLineBreak(at: index)) {
                return (index, "Error while parsing array: expected a value or \"]\", saw \(shown(at: index))")
            }
            // With its line break: toml++ tells a line break after a value from the end of the text.
            let value = bytes[index..<min(end + 1, bytes.count)]
            return TOMLCrashGuard.dateTimeCrash(value).map { (index, $0) }
        }

        private func isTriple(_ quote: UInt8, at position: Int) -> Bool {
            position + 2 < bytes.count && bytes[position] == quote && bytes[position + 1] == quote
                && bytes[position + 2] == quote
        }

        /// Just past the quote that closes a one-line string whose content starts at `start`.
        private func endOfString(quote: UInt8, from start: Int, before end: Int) -> Int {
            var position = start
            while position < end {
                if bytes[position] == .backslash && quote == .doubleQuote {
                    position += 2
                    continue
                }
                if bytes[position] == quote { return position + 1 }
                position += 1
            }
            return end
        }

        /// U+0085, U+2028 or U+2029, which toml++ counts as line breaks but does not skip inside arrays.
        private func isUnicodeLineBreak(at position: Int) -> Bool {
            let rest = bytes[position...]
            return rest.starts(with: [0xC2, 0x85]) || rest.starts(with: [0xE2, 0x80, 0xA8])
                || rest.starts(with: [0xE2, 0x80, 0xA9])
        }

        /// The character at `position` for a message: `'#'`, or "a line break".
        private func shown(at position: Int) -> String {
            if bytes[position] == .newline { return "a line break" }
            let text = String(decoding: bytes[position...].prefix(4), as: UTF8.self)
            let scalar = text.unicodeScalars.first ?? "\u{FFFD}"
            return "'\(scalar.escaped(asASCII: true))'"
        }
    }
}
