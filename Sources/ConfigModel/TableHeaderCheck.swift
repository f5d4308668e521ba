import TOMLKit

// A guard for a crash in toml++ 3.4.0, the parser inside TOMLKit 0.6.0: a table header whose name starts with
// anything but a key character or a quote (`[#`, a `[` alone on a line, `[[=`, `[[[a]]]`) fails the assertion at
// the top of `parse_key` and aborts the process, because SwiftPM compiles toml++ without NDEBUG (and with NDEBUG
// the assertion becomes an assumption, undefined behaviour). marzer/tomlplusplus#294, fixed upstream by #301, not
// in the copy TOMLKit ships. `pgfloat check`, start and every reload would die on such a typo, so the loader looks
// for these headers first and reports them as syntax errors; found by the config-load fuzzer (Fuzz/).

extension ConfigLoader {
    /// The text parsed by TOMLKit, or its first syntax error as `FILE:LINE: syntax: message`.
    static func parseTOML(_ text: String, path: String) throws -> TOMLTable {
        if let header = TableHeaderCheck.firstUnparsableHeader(in: text) {
            // toml++ stops at the first error: one in the text before the header comes first, as it would have.
            _ = try parseCheckedTOML(header.textBefore, path: path)
            throw ConfigErrors([ConfigProblem(file: path, line: header.line, key: "syntax", message: header.message)])
        }
        return try parseCheckedTOML(text, path: path)
    }

    /// TOMLKit's parse of text that holds no header `TableHeaderCheck` refuses.
    private static func parseCheckedTOML(_ text: String, path: String) throws -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line
            throw ConfigErrors([ConfigProblem(file: path, line: line, key: "syntax", message: error.description)])
        }
    }
}

/// Finds the table headers toml++ 3.4.0 cannot parse without crashing.
enum TableHeaderCheck {
    /// A header toml++ would crash on.
    struct Header {
        /// 1-based.
        var line: Int
        /// Everything before the header's line.
        var textBefore: String
        var message: String
    }

    /// The first line that toml++ reads as a table header whose name does not start with a bare-key character
    /// (ASCII letter, digit, `_`, `-`) or a quote, nor is empty (`[]`, which toml++ reports itself).
    ///
    /// Lines are classified as ``SourceMap`` does (``ValueScanner`` skips the lines that continue a multi-line
    /// array or string), which is exact for the text before the first syntax error, the only text toml++ reads.
    static func firstUnparsableHeader(in text: String) -> Header? {
        var bytes = Array(text.utf8)[...]
        // toml++ skips a byte order mark at the very start.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        var scanner = ValueScanner()
        for (offset, line) in bytes.split(separator: .newline, omittingEmptySubsequences: false).enumerated() {
            if scanner.isInsideValue {
                scanner.scan(line)
                continue
            }
            let rest = line.drop { $0 == .space || $0 == .tab }
            guard let first = rest.first, first != .hash else { continue }
            if first == .openBracket {
                let atEndOfText = line.endIndex == bytes.endIndex
                if let found = unparsableName(in: rest, atEndOfText: atEndOfText) {
                    let textBefore = String(decoding: Array(text.utf8)[..<line.startIndex], as: UTF8.self)
                    return Header(
                        line: offset + 1, textBefore: textBefore,
                        message: "Error while parsing table header: expected a table name after \"[\", saw \(found)")
                }
            } else if let equals = SourceMap.firstUnquoted(.equals, in: rest) {
                scanner.scan(rest[(equals + 1)...])
            }
        }
        return nil
    }

    /// What stands where toml++'s `parse_table_header` calls `parse_key`, if it is not a key's first character.
    private static func unparsableName(in header: ArraySlice<UInt8>, atEndOfText: Bool) -> String? {
        // As parse_table_header: "[", blanks, a second "[" only if no blank came between, blanks.
        var name = header.dropFirst()
        let afterBracket = name.count
        name = name.drop { $0 == .space || $0 == .tab }
        if name.first == .openBracket && name.count == afterBracket {
            name = name.dropFirst().drop { $0 == .space || $0 == .tab }
        }
        guard let byte = name.first else {
            // At the end of the text toml++ reports "encountered end-of-file"; before a line break it crashes.
            return atEndOfText ? nil : "a line break"
        }
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), .doubleQuote, .singleQuote,
            .closeBracket:
            return nil
        default:
            break
        }
        let scalar = String(decoding: name.prefix(4), as: UTF8.self).unicodeScalars.first ?? "\u{FFFD}"
        return "'\(scalar.escaped(asASCII: true))'"
    }
}
