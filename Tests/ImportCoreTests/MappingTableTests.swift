import Foundation
import XCTest

@testable import ImportCore

/// One source of truth: the catalog drives the translation, the warnings and the README table.
final class MappingTableTests: XCTestCase {
    /// The README's table is `pgfloat import --mapping`'s output; regenerate it with that command.
    func testReadmeTableIsTheCatalog() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let begin = "<!-- BEGIN pgfloat import --mapping -->\n"
        let end = "<!-- END pgfloat import --mapping -->"
        let start = try XCTUnwrap(text.range(of: begin), "README.md has no mapping table")
        let stop = try XCTUnwrap(text.range(of: end, range: start.upperBound..<text.endIndex))
        XCTAssertEqual(
            String(text[start.upperBound..<stop.lowerBound]), MappingTable.markdown(),
            "README.md's table differs from the importer's: replace it with `pgfloat import --mapping`")
    }

    func testEveryKeywordSelectsOneDirective() {
        var seen: [String: String] = [:]
        for directive in HAProxyDirective.allCases {
            for keyword in directive.keywords {
                XCTAssertNil(seen[keyword], "HAProxy keyword \(keyword) is listed twice")
                seen[keyword] = "\(directive)"
                XCTAssertEqual(
                    HAProxyDirective.match(keyword.split(separator: " ").map(String.init) + ["x"])?.0, directive)
            }
        }
        var parameters: Set<String> = []
        for parameter in HAProxyServerParameter.allCases {
            for keyword in parameter.keywords {
                XCTAssertTrue(parameters.insert(keyword).inserted, "server parameter \(keyword) is listed twice")
                XCTAssertEqual(HAProxyServerParameter.named(keyword), parameter)
            }
        }
        var keepalived: Set<String> = []
        for directive in KeepalivedDirective.allCases {
            for keyword in directive.keywords {
                let key = directive.block.rawValue + " " + keyword
                XCTAssertTrue(keepalived.insert(key).inserted, "keepalived keyword \(key) is listed twice")
                XCTAssertEqual(KeepalivedDirective.named(keyword, in: directive.block), directive)
            }
        }
    }

    /// A directive that is not translated must say why: that text is its note or warning.
    func testEveryDroppedDirectiveSaysWhy() {
        for row in MappingTable.rows {
            switch row.disposition {
            case .ignored, .unsupported, .manual, .implied:
                XCTAssertFalse(row.why.isEmpty, "\(row.directive) is \(row.disposition) without a reason")
            case .translated:
                XCTAssertFalse(row.pgfloat.isEmpty, "\(row.directive) is translated without a pgfloat key")
            }
            XCTAssertFalse(row.why.contains("|") || row.pgfloat.contains("|"), "a pipe would break the table")
        }
    }

    func testUnknownDirectivesAreReportedWithTheirLine() {
        let text = """
            global
                tune.bufsize 32768
            listen pg
                bind *:5432
                option tcpka
                server pg1 10.0.0.1:5432 check observe layer4
            """
        let result = ConfigImporter.translate(haproxy: ImportSource(path: "h.cfg", text: text))
        XCTAssertEqual(
            result.warnings.map(\.description),
            [
                "h.cfg:2: tune.bufsize: not known to the importer; not translated",
                "h.cfg:5: option tcpka: not known to the importer; not translated",
                "h.cfg:6: server observe: not known to the importer; not translated",
            ])
    }
}
