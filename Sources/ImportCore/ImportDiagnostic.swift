/// One thing the importer could not carry over as written, printed as `FILE:LINE: directive: message`.
///
/// A warning means behaviour changes or a step is left to the operator; a note explains why a directive that
/// needs nothing in pgfloat was dropped.
public struct ImportDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: Sendable, Equatable {
        case warning
        case note
    }

    /// The input file, as given on the command line.
    public var file: String
    public var line: Int
    /// The directive as written (`option httpchk`, `auth_pass`), or the key of the generated file.
    public var directive: String
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int, directive: String, severity: Severity, message: String) {
        self.file = file
        self.line = line
        self.directive = directive
        self.severity = severity
        self.message = message
    }

    public var description: String {
        "\(file):\(line): \(directive): \(severity == .note ? "note: " : "")\(message)"
    }
}

/// Collects diagnostics in the order found; a note said once per file and directive is not repeated (`mode tcp`
/// in every section).
struct DiagnosticLog {
    private(set) var entries: [ImportDiagnostic] = []
    private var notesSaid: Set<String> = []
    private var warningsSaid: Set<String> = []

    /// A warning about a directive several proxies inherit is said once, at the directive.
    mutating func warn(_ origin: Origin, _ message: String) {
        let key = "\(origin.path)\u{0}\(origin.line)\u{0}\(origin.directive)\u{0}\(message)"
        guard warningsSaid.insert(key).inserted else { return }
        entries.append(
            ImportDiagnostic(
                file: origin.path, line: origin.line, directive: origin.directive, severity: .warning,
                message: message))
    }

    mutating func note(_ origin: Origin, _ message: String) {
        guard notesSaid.insert("\(origin.path)\u{0}\(origin.directive)\u{0}\(message)").inserted else { return }
        entries.append(
            ImportDiagnostic(
                file: origin.path, line: origin.line, directive: origin.directive, severity: .note, message: message))
    }

    /// Reports a directive the catalog says is dropped, as a note or a warning by its disposition.
    mutating func dropped(_ origin: Origin, _ mapping: DirectiveMapping) {
        switch mapping.disposition {
        case .ignored: note(origin, mapping.why)
        case .manual, .unsupported: warn(origin, mapping.why)
        case .translated, .implied: break
        }
    }

    mutating func append(contentsOf other: DiagnosticLog) {
        for entry in other.entries {
            let origin = Origin(path: entry.file, line: entry.line, directive: entry.directive)
            switch entry.severity {
            case .warning: warn(origin, entry.message)
            case .note: note(origin, entry.message)
            }
        }
    }
}
