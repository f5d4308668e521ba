import ConfigModel
import XCTest

/// `tags` and the roles `sync`, `async`, `standby-leader`: what loads and what `pgfloat check` reports.
final class ConfigLoaderPatroniTests: XCTestCase {
    private func file(
        _ keys: String, role: String = "replica", check: String = "patroni", dcs: Bool = false
    ) -> String {
        """
        [check]
        type = "\(check)"

        [[server]]
        name = "pg1"
        address = "10.0.0.11:5432"

        [[listener]]
        name = "reads"
        bind = "0.0.0.0:5433"
        role = "\(role)"
        \(keys)
        \(dcs ? "[dcs]\nendpoints = [\"http://127.0.0.1:2379\"]\nscope = \"pg\"" : "")
        """
    }

    func testTagsLoadAsTheTextPatroniCompares() throws {
        let config = try ConfigLoader.load(
            text: file(#"tags = { datacenter = "east", rack = 3, nosync = true }"#), path: "t.toml")
        XCTAssertEqual(config.listeners[0].tags, ["datacenter": "east", "rack": "3", "nosync": "true"])
        XCTAssertEqual(try ConfigLoader.load(text: file(""), path: "t.toml").listeners[0].tags, [:])
    }

    func testTheNewRolesLoad() throws {
        for role in ["sync", "async", "standby-leader"] {
            let config = try ConfigLoader.load(text: file("", role: role), path: "t.toml")
            XCTAssertEqual(config.listeners[0].role.rawValue, role)
        }
        let streaming = try ConfigLoader.load(text: file("require_streaming = true", role: "async"), path: "t")
        XCTAssertTrue(streaming.listeners[0].requireStreaming)
    }

    func testTagValuesOfOtherTypesAreReportedWithTheirLine() {
        XCTAssertEqual(
            descriptions(file(#"tags = { datacenter = ["east"] }"#)),
            [
                "t.toml:12: listener.tags: tag \"datacenter\": expected a string, true or false, or an integer, "
                    + "got an array"
            ])
        XCTAssertEqual(
            descriptions(file(#"tags = "east""#)),
            ["t.toml:12: listener.tags: expected a table like { datacenter = \"east\" }, got string \"east\""])
    }

    func testTagsOnALeaderRoleAreReported() {
        XCTAssertEqual(
            descriptions(file(#"tags = { datacenter = "east" }"#, role: "primary")),
            [
                "t.toml:12: listener.tags: listener \"reads\" has role \"primary\", which Patroni answers whatever "
                    + "the tags; tags apply to roles \"replica\", \"replica-or-primary\", \"sync\", \"async\" "
                    + "and \"any\""
            ])
        XCTAssertEqual(onlyProblem(file(#"tags = { a = "b" }"#, role: "standby-leader"))?.key, "listener.tags")
    }

    func testPatroniSelectionsNeedAPatroniCheckOrTheStore() {
        XCTAssertEqual(
            descriptions(file("", role: "sync", check: "pgsql")),
            [
                "t.toml:11: listener.role: listener \"reads\" selects by role \"sync\", which only Patroni tells, but "
                    + "server \"pg1\" has a pgsql check; use a patroni check or add [dcs]"
            ])
        XCTAssertEqual(
            descriptions(file(#"tags = { datacenter = "east" }"#, check: "pgsql")),
            [
                "t.toml:12: listener.tags: listener \"reads\" selects by tags, which only Patroni tells, but "
                    + "server \"pg1\" has a pgsql check; use a patroni check or add [dcs]"
            ])
        XCTAssertNoThrow(try ConfigLoader.load(text: file("", role: "async", check: "pgsql", dcs: true), path: "t"))
        XCTAssertNoThrow(
            try ConfigLoader.load(text: file(#"tags = { a = "b" }"#, check: "pgsql", dcs: true), path: "t"))
    }

    func testRequireStreamingStillRejectsTheStandbyLeaderRole() {
        XCTAssertEqual(
            onlyProblem(file("require_streaming = true", role: "standby-leader"))?.key, "listener.require_streaming")
    }
}
