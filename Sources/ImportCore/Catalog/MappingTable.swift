/// The whole mapping, HAProxy then keepalived, and its Markdown rendering for the README.
///
/// The README's table is this text; a test keeps the two equal, and `pgfloat import --mapping` prints it.
public enum MappingTable {
    /// Every known directive, in the order of the table: HAProxy directives, their server parameters, keepalived.
    public static var rows: [DirectiveMapping] {
        HAProxyDirective.allCases.map(\.mapping) + HAProxyServerParameter.allCases.map(\.mapping)
            + KeepalivedDirective.allCases.map(\.mapping)
    }

    public static func markdown() -> String {
        var lines: [String] = []
        for source in MappingSource.allCases {
            if !lines.isEmpty { lines.append("") }
            lines.append("| \(source.rawValue) | in | pgfloat | how, or why not |")
            lines.append("|---|---|---|---|")
            for row in rows where row.source == source {
                let directive = row.directive.split(separator: ", ").map { "`\($0)`" }.joined(separator: ", ")
                let cells = [directive, row.context, pgfloatCell(row), row.why.isEmpty ? "" : row.why]
                lines.append("| " + cells.map(escaped).joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func pgfloatCell(_ row: DirectiveMapping) -> String {
        switch row.disposition {
        case .translated: return row.pgfloat
        case .implied: return row.pgfloat.isEmpty ? "built in" : row.pgfloat
        case .manual: return row.pgfloat + " (by hand)"
        case .ignored: return "none (not needed)"
        case .unsupported: return "**none**"
        }
    }

    /// A pipe would end the cell.
    private static func escaped(_ text: String) -> String {
        text.replacing("|", with: "\\|")
    }
}
