/// Where a table sits in the document: the chain of tables from the root down to it and, for each `[[name]]`,
/// which element it is.
///
/// The chain matters for arrays of tables inside arrays of tables: the second `[[vrrp.track_script]]` of the
/// second `[[vrrp]]` is found after that `[[vrrp]]` header, not by counting every `[[vrrp.track_script]]` header.
struct TableLocation {
    /// One table on the way down from the root.
    struct Step {
        /// The qualified name, as its header spells it: `vrrp.track_script`.
        var name: String
        /// The key that holds it in its enclosing table: `track_script`.
        var key: String
        /// 0-based index among the tables with this name inside one element of the enclosing table; 0 for single
        /// tables.
        var occurrence: Int
    }

    /// The root document, whose keys are the table names.
    static let root = TableLocation(steps: [])

    /// Outermost first; empty for the root.
    let steps: [Step]

    /// A table directly under the root: `[global]`, or the `occurrence`-th `[[server]]`.
    init(name: String, occurrence: Int) {
        self.init(steps: name.isEmpty ? [] : [Step(name: name, key: name, occurrence: occurrence)])
    }

    private init(steps: [Step]) {
        self.steps = steps
    }

    /// `server`, `vrrp.track_script`; empty for the root.
    var name: String { steps.last?.name ?? "" }

    /// The table held by `key` in this one: `[name]` with occurrence 0, or one element of `[[name]]`.
    func child(_ key: String, occurrence: Int = 0) -> TableLocation {
        TableLocation(steps: steps + [Step(name: qualified(key), key: key, occurrence: occurrence)])
    }

    /// The key as users write it in messages: `listener.bind`, or just `global` at the root.
    func qualified(_ key: String) -> String {
        name.isEmpty ? key : "\(name).\(key)"
    }
}

/// Collects every problem of one load, so that a user fixing a file sees all of them at once.
final class Diagnostics {
    private let path: String
    private let sourceMap: SourceMap
    private var problems: [ConfigProblem] = []

    init(path: String, text: String) {
        self.path = path
        self.sourceMap = SourceMap(text: text)
    }

    var hasProblems: Bool { !problems.isEmpty }

    /// The problems by line; problems on one line keep the order they were found in, which follows the file.
    var sortedProblems: [ConfigProblem] {
        problems.enumerated()
            .sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map(\.element)
    }

    func report(key: String, line: Int, _ message: String) {
        problems.append(ConfigProblem(file: path, line: line, key: key, message: message))
    }

    /// The line of `key` in the table at `location`, or of the table itself when `key` is nil or not found.
    func line(of location: TableLocation, key: String? = nil) -> Int {
        sourceMap.line(path: location.steps.map { ($0.name, $0.key, $0.occurrence) }, key: key)
    }
}
