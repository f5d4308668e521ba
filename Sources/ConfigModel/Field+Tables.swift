/// Readers for fields whose values are tables, which hand each table to its schema.
extension Field {
    /// A `[name]` table read into `settings`.
    func table<Settings>(_ schema: TableSchema<Settings>, into settings: inout Settings) {
        guard let table = value.table else {
            if value.isArrayOfTables {
                report("[\(name)] must be a single table, not an array of tables [[\(name)]]")
            } else {
                reportWrongType(expected: "a table [\(name)]")
            }
            return
        }
        schema.read(table, at: TableLocation(name: key, occurrence: 0), into: &settings, diagnostics: diagnostics)
    }

    /// Every `[[name]]` table, each read into a fresh value made from the line of its header.
    func arrayOfTables<Settings>(_ schema: TableSchema<Settings>, makeEach: (_ line: Int) -> Settings) -> [Settings] {
        guard let array = value.array, value.isArrayOfTables else {
            reportWrongType(expected: "an array of tables [[\(name)]]")
            return []
        }
        return array.enumerated().compactMap { occurrence, element in
            guard let table = element.table else { return nil }
            let location = TableLocation(name: key, occurrence: occurrence)
            var settings = makeEach(diagnostics.line(of: location))
            schema.read(table, at: location, into: &settings, diagnostics: diagnostics)
            return settings
        }
    }
}
