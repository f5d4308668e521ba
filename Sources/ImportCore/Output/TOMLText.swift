import ConfigModel

/// A TOML value as the importer writes it.
enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case strings([String])
    /// An inline table of strings, `{ datacenter = "east" }`, keys in sorted order.
    case stringTable([String: String])

    var text: String {
        switch self {
        case .string(let value): return Self.quoted(value)
        case .integer(let value): return String(value)
        case .boolean(let value): return value ? "true" : "false"
        case .strings(let values): return "[" + values.map(Self.quoted).joined(separator: ", ") + "]"
        case .stringTable(let table):
            let pairs = table.keys.sorted().map { "\(Self.key($0)) = \(Self.quoted(table[$0] ?? ""))" }
            return "{ " + pairs.joined(separator: ", ") + " }"
        }
    }

    /// A TOML basic string: quotes, backslashes and control characters escaped, so any input text round-trips.
    static func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// A key as TOML takes it: bare when it is only letters, digits, `_` and `-`, else quoted.
    static func key(_ name: String) -> String {
        let bare = !name.isEmpty && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        return bare ? name : quoted(name)
    }

    static func duration(_ value: Duration) -> TOMLValue { .string(DurationParser.text(value)) }
}

/// One `key = value` line with its trailing comment.
struct TOMLEntry: Sendable, Equatable {
    var key: String
    var value: TOMLValue
    var comment: String?
    /// Written as a comment: the operator has to fix it before pgfloat accepts it.
    var commentedOut = false

    var line: String {
        var text = (commentedOut ? "# " : "") + "\(key) = \(value.text)"
        if let comment { text += "  # " + Self.singleLine(comment) }
        return text
    }

    /// Comments come from input text; a line break would end the comment and corrupt the file.
    static func singleLine(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
    }
}

/// A table (`[check]`) or an element of an array of tables (`[[server]]`), with comment lines above it.
struct TOMLTable: Sendable, Equatable {
    var header: String
    var comments: [String] = []
    var entries: [TOMLEntry] = []
    var commentedOut = false

    /// Adds `key = value` when the value is present.
    mutating func add<Value>(_ key: String, _ sourced: Sourced<Value>?, _ convert: (Value) -> TOMLValue) {
        guard let sourced else { return }
        entries.append(TOMLEntry(key: key, value: convert(sourced.value), comment: sourced.comment))
    }

    var text: String {
        var lines = comments.map { "# " + TOMLEntry.singleLine($0) }
        lines.append((commentedOut ? "# " : "") + header)
        lines += entries.map { entry in
            var entry = entry
            entry.commentedOut = entry.commentedOut || commentedOut
            return entry.line
        }
        return lines.joined(separator: "\n")
    }
}
