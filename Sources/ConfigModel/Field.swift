import TOMLKit

/// One key/value pair of a table, with what is needed to report a problem about it.
struct Field {
    let location: TableLocation
    let name: String
    let value: TOMLValueConvertible
    let diagnostics: Diagnostics

    /// The qualified key used in messages, such as `listener.bind`.
    var key: String { location.qualified(name) }

    var line: Int { diagnostics.line(of: location, key: name) }

    func report(_ message: String) {
        diagnostics.report(key: key, line: line, message)
    }

    /// Reports a value of the wrong TOML type; `expected` reads as a noun phrase, like `"an integer"`.
    func reportWrongType(expected: String) {
        report("expected \(expected), got \(value.plainDescription)")
    }

    /// The same key holding one element of this field's array, so element problems report under this key.
    func element(_ value: TOMLValueConvertible) -> Field {
        Field(location: location, name: name, value: value, diagnostics: diagnostics)
    }
}

extension TOMLValueConvertible {
    /// The value's type and text as a user would recognise them: `integer 5`, `string "5"`, `an array`.
    var plainDescription: String {
        switch type {
        case .string: return "string \"\(string ?? "")\""
        case .int: return "integer \(int.map(String.init) ?? "")"
        case .double: return "floating-point number \(double.map { "\($0)" } ?? "")"
        case .bool: return "boolean \(bool.map { "\($0)" } ?? "")"
        case .array: return "an array"
        case .table: return "a table"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    /// Whether this is an array whose elements are all tables, as `[[name]]` produces.
    var isArrayOfTables: Bool {
        guard let array else { return false }
        return array.allSatisfy { $0.type == .table }
    }
}
