/// Lines of table headers and keys in a TOML text.
///
/// TOMLKit reports positions only for syntax errors, so this scans the raw text itself. It is a locator, not a
/// parser: it runs only on text TOMLKit accepted, and a wrong guess costs a less precise line, never a wrong config.
struct SourceMap {
    /// One `[name]` or `[[name]]` header and the keys written under it.
    struct Section {
        /// The dotted header name with quotes and spaces removed (`server`, `global.x`); empty for the root.
        var name: String
        /// 1-based line of the header.
        var line: Int
        /// First component of each key written directly under the header, mapped to its line.
        var keys: [String: Int] = [:]
    }

    /// Sections in file order; the first is the root, which holds the keys before any header.
    private(set) var sections: [Section] = [Section(name: "", line: 1)]

    init(text: String) {
        var scanner = ValueScanner()
        // Split bytes, not Characters: Swift treats "\r\n" as one Character, which would hide CRLF line breaks.
        for (offset, line) in text.utf8.split(separator: .newline, omittingEmptySubsequences: false).enumerated() {
            let bytes = Array(line)
            // Lines that continue a multi-line array, inline table or string hold no keys or headers.
            if scanner.isInsideValue {
                scanner.scan(bytes[...])
                continue
            }
            let rest = bytes.drop { $0 == .space || $0 == .tab }
            guard let first = rest.first, first != .hash, first != .carriageReturn else { continue }
            if first == .openBracket {
                addHeader(rest, line: offset + 1)
            } else if let equals = SourceMap.firstUnquoted(.equals, in: rest) {
                let key = SourceMap.components(of: rest[..<equals]).first ?? ""
                if sections[sections.count - 1].keys[key] == nil {
                    sections[sections.count - 1].keys[key] = offset + 1
                }
                scanner.scan(rest[(equals + 1)...])
            }
        }
    }

    /// The line of the `occurrence`-th header named `table` (0 for single tables).
    ///
    /// Falls back to the first header of a sub-table (`[foo.bar]` for `foo`) because such a header is the only
    /// place an otherwise undeclared table appears.
    func headerLine(table: String, occurrence: Int = 0) -> Int? {
        if let section = section(table, occurrence: occurrence) { return section.line }
        return sections.first { $0.name.hasPrefix(table + ".") }?.line
    }

    /// The best line for `key` in the `occurrence`-th table named `table` (empty for the root): the key's own
    /// line, else its header's, else the line that defines the table inline at the top level, else 1.
    func line(table: String, occurrence: Int = 0, key: String? = nil) -> Int {
        line(path: table.isEmpty ? [] : [(table, table, occurrence)], key: key)
    }

    /// The best line for `key` in a table that may sit inside an element of an array of tables.
    ///
    /// `path` leads from the root down: each step is a header name, the key holding it in its enclosing table and
    /// which header of that name it is within the enclosing element. An element of `[[name]]` owns every section
    /// up to the next `[[name]]` header, since TOML adds `[[name.child]]` to the last element defined.
    ///
    /// - Returns: The key's own line, else the table's header line, else the line of its first sub-table header,
    ///   else the line of the key that defines it inline in the enclosing table, else the enclosing table's header
    ///   line (1 for the root).
    func line(path: [(name: String, key: String, occurrence: Int)], key: String? = nil) -> Int {
        var scope = sections.indices
        var current = 0
        for step in path {
            let matching = scope.filter { sections[$0].name == step.name }
            guard matching.count > step.occurrence else {
                // Not written as a header: defined inline, or only implied by a sub-table's header.
                let prefix = step.name + "."
                if let sub = scope.first(where: { sections[$0].name.hasPrefix(prefix) }) { return sections[sub].line }
                return sections[current].keys[step.key] ?? sections[current].line
            }
            current = matching[step.occurrence]
            let next = scope[(current + 1)...].first { sections[$0].name == step.name } ?? scope.upperBound
            scope = current..<next
        }
        if let key, let line = sections[current].keys[key] { return line }
        return sections[current].line
    }

    private func section(_ name: String, occurrence: Int) -> Section? {
        let matching = sections.lazy.filter { $0.name == name }
        return matching.dropFirst(occurrence).first
    }

    private mutating func addHeader(_ bytes: ArraySlice<UInt8>, line: Int) {
        let isArray = bytes.dropFirst().first == .openBracket
        let inner = bytes.dropFirst(isArray ? 2 : 1)
        let close = SourceMap.firstUnquoted(.closeBracket, in: inner) ?? inner.endIndex
        let components = SourceMap.components(of: inner[..<close])
        let name = components.joined(separator: ".")
        // A header also stands for a key of its enclosing table: `[server.tls]` for `tls` of the last server,
        // `[globl]` for `globl` of the root, which is where an unknown table is reported.
        if let child = components.last {
            let parent = components.dropLast().joined(separator: ".")
            if let index = sections.lastIndex(where: { $0.name == parent }), sections[index].keys[child] == nil {
                sections[index].keys[child] = line
            }
        }
        sections.append(Section(name: name, line: line))
    }

    /// The index of the first `target` outside quotes, such as the `=` that ends a key whose quoted part holds one.
    static func firstUnquoted(_ target: UInt8, in bytes: ArraySlice<UInt8>) -> Int? {
        var quote: UInt8?
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if let open = quote {
                if byte == .backslash && open == .doubleQuote {
                    index += 1
                } else if byte == open {
                    quote = nil
                }
            } else if byte == .doubleQuote || byte == .singleQuote {
                quote = byte
            } else if byte == target {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Splits a dotted key or header name into its parts, unquoting quoted parts.
    private static func components(of bytes: ArraySlice<UInt8>) -> [String] {
        var parts: [String] = []
        var current: [UInt8] = []
        var quote: UInt8?
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if let open = quote {
                if byte == .backslash && open == .doubleQuote, index + 1 < bytes.endIndex {
                    index += 1
                    current.append(bytes[index])
                } else if byte == open {
                    quote = nil
                } else {
                    current.append(byte)
                }
            } else if byte == .doubleQuote || byte == .singleQuote {
                quote = byte
            } else if byte == .dot {
                parts.append(String(decoding: current, as: UTF8.self))
                current = []
            } else if byte != .space && byte != .tab {
                current.append(byte)
            }
            index += 1
        }
        parts.append(String(decoding: current, as: UTF8.self))
        return parts
    }
}
