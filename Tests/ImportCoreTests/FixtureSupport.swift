import ConfigModel
import Foundation
import ImportCore
import XCTest

/// The design document's configurations, copied into Fixtures/ (read from the source tree, so no bundle is needed).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// A fixture as the importer is given it: a path like the operator's and the file's text.
    static func source(_ name: String) throws -> ImportSource {
        ImportSource(path: name, text: try text(name))
    }
}

/// The import of `haproxy` (and `keepalived`), and its output loaded by pgfloat's own loader.
func importAndLoad(
    haproxy: String, keepalived: String? = nil, file: StaticString = #filePath, line: UInt = #line
) throws -> (result: ImportResult, config: PGFloatConfig) {
    let result = ConfigImporter.translate(
        haproxy: try Fixture.source(haproxy), keepalived: try keepalived.map(Fixture.source))
    do {
        return (result, try ConfigLoader.load(text: result.toml, path: "pgfloat.toml"))
    } catch {
        XCTFail("the imported configuration does not load:\n\(error)\n\(result.toml)", file: file, line: line)
        throw error
    }
}
