/// Where a table sits in the document: its qualified name and, for `[[name]]`, which element it is.
struct TableLocation {
    /// The root document, whose keys are the table names.
    static let root = TableLocation(name: "", occurrence: 0)

    /// `server`, `global`; empty for the root.
    var name: String
    /// 0-based index among the tables with this name; 0 for single tables.
    var occurrence: Int

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
        sourceMap.line(table: location.name, occurrence: location.occurrence, key: key)
    }
}
