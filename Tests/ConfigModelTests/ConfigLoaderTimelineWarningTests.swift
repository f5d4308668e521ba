import ConfigModel
import XCTest

/// `pgfloat check` warns about a mix of role checks that tell a primary's timeline and one that does not: the
/// server without a timeline would never take writes again once a timeline is known.
final class ConfigLoaderTimelineWarningTests: XCTestCase {
    private func warnings(_ text: String) throws -> [String] {
        try ConfigLoader.load(text: text, path: "t.toml").timelineWarnings()
    }

    private let servers = """
        [[server]]
        name = "pg1"
        address = "10.0.0.11:5432"
        check_type = "external"

        [[server]]
        name = "pg2"
        address = "10.0.0.12:5432"

        """

    func testAnExternalCheckBesideAPGSQLCheckIsWarnedAboutAtItsServer() throws {
        let text = "[check]\ntype = \"pgsql\"\ncommand = \"/usr/local/bin/role\"\n\n" + servers + minimalListener
        XCTAssertEqual(
            try warnings(text),
            [
                "t.toml:5: server.check_type: warning: server \"pg1\"'s external check tells no timeline, while "
                    + "server \"pg2\"'s pgsql check does: once a primary's timeline is known, \"pg1\" never takes "
                    + "writes again (it cannot show it is not an older primary); give every server a pgsql or "
                    + "patroni check"
            ])
    }

    func testChecksOfOneKindOrWithoutARoleAreNotWarnedAbout() throws {
        let external = "[check]\ntype = \"external\"\ncommand = \"/usr/local/bin/role\"\n\n"
        XCTAssertEqual(try warnings(external + servers + minimalListener), [])
        let patroniAndTCP = "[check]\ntype = \"tcp\"\n\n" + servers.replacingOccurrences(of: "external", with: "patroni")
        XCTAssertEqual(try warnings(patroniAndTCP + minimalListener), [])
    }
}
