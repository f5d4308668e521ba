import TOMLKit

/// One key a table accepts and how its value lands in the settings being built.
struct KeyRule<Settings> {
    let name: String
    /// Whether leaving the key out is a problem (`name` and `address` of a server, for instance).
    let isRequired: Bool
    let apply: (Field, inout Settings) -> Void

    init(_ name: String, required: Bool = false, apply: @escaping (Field, inout Settings) -> Void) {
        self.name = name
        self.isRequired = required
        self.apply = apply
    }

    /// A key whose value `read` converts (reporting its own problems) and stores at `path`.
    static func value<Value>(
        _ name: String, required: Bool = false, _ path: WritableKeyPath<Settings, Value>,
        read: @escaping (Field) -> Value?
    ) -> KeyRule {
        KeyRule(name, required: required) { field, settings in
            if let value = read(field) { settings[keyPath: path] = value }
        }
    }
}

/// The keys one kind of table accepts. Adding a key to a table means adding one rule to its schema: unknown-key
/// detection, suggestions and required-key checks all follow from the list.
struct TableSchema<Settings> {
    let rules: [KeyRule<Settings>]

    init(_ rules: [KeyRule<Settings>]) {
        self.rules = rules
    }

    func read(
        _ table: TOMLTable, at location: TableLocation, into settings: inout Settings, diagnostics: Diagnostics
    ) {
        for name in table.keys {
            guard let value = table[name] else { continue }
            let field = Field(location: location, name: name, value: value, diagnostics: diagnostics)
            if let rule = rules.first(where: { $0.name == name }) {
                rule.apply(field, &settings)
            } else {
                reportUnknown(field)
            }
        }
        for rule in rules where rule.isRequired && table[rule.name] == nil {
            diagnostics.report(
                key: location.qualified(rule.name), line: diagnostics.line(of: location),
                "missing required key \"\(rule.name)\"")
        }
    }

    private func reportUnknown(_ field: Field) {
        // At the root every known key is a table, so an unknown one is most likely a misspelt table header.
        let noun = field.location.name.isEmpty && (field.value.type == .table || field.value.isArrayOfTables)
            ? "table" : "key"
        var message = "unknown \(noun) \"\(field.name)\""
        if let suggestion = closestName(to: field.name, among: rules.map(\.name)) {
            message += "; did you mean \"\(suggestion)\"?"
        }
        field.report(message)
    }
}
