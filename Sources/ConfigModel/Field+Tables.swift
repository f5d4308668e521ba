/// Readers for fields whose values are tables, which hand each table to its schema.
extension Field {
    /// A `[name]` table read into `settings`.
    func table<Settings>(_ schema: TableSchema<Settings>, into settings: inout Settings) {
        guard let table = value.table else {
            if value.isArrayOfTables {
                report("[\(key)] must be a single table, not an array of tables [[\(key)]]")
            } else {
                reportWrongType(expected: "a table [\(key)]")
            }
            return
        }
        schema.read(table, at: location.child(name), into: &settings, diagnostics: diagnostics)
    }

    /// Every `[[name]]` table, each read into a fresh value made from the line of its header.
    ///
    /// Works at any depth: a schema of a `[[parent]]` can hold a rule that reads `[[parent.child]]` with this too,
    /// and each child is located within its own parent element.
    func arrayOfTables<Settings>(_ schema: TableSchema<Settings>, makeEach: (_ line: Int) -> Settings) -> [Settings] {
        guard let array = value.array, value.isArrayOfTables else {
            reportWrongType(expected: "an array of tables [[\(key)]]")
            return []
        }
        return array.enumerated().compactMap { occurrence, value in
            guard let table = value.table else { return nil }
            let place = location.child(name, occurrence: occurrence)
            var settings = makeEach(diagnostics.line(of: place))
            schema.read(table, at: place, into: &settings, diagnostics: diagnostics)
            return settings
        }
    }
}
