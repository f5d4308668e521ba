import ConfigModel
import XCTest

/// A listener that routes by role needs checks that tell roles: tcp, pg-hello and agent checks never answer
/// primary or replica, so such a listener would never route to the server (and with `[dcs]` a leader is
/// confirmed only by a primary answer).
final class ConfigLoaderRoleAwarenessTests: XCTestCase {
    private func text(check: String, role: String, serverExtra: String = "") -> String {
        """
        [check]
        type = "\(check)"
        port = 9000

        [[server]]
        name = "pg1"
        address = "10.0.0.11:5432"
        \(serverExtra)

        [[server]]
        name = "pg2"
        address = "10.0.0.12:5432"

        [[listener]]
        name = "rw"
        bind = "0.0.0.0:5432"
        role = "\(role)"
        """
    }

    func testARoleListenerOnRoleBlindChecksIsRejectedAtItsRoleKey() {
        for check in ["tcp", "pg-hello", "agent"] {
            for role in ["primary", "replica", "replica-or-primary"] {
                XCTAssertEqual(
                    descriptions(text(check: check, role: role)),
                    ["pg1", "pg2"].map { server in
                        "t.toml:17: listener.role: listener \"rw\" has role = \"\(role)\" but server \"\(server)\" "
                            + "has a \(check) check, which cannot tell primary from replica; use a pgsql, patroni "
                            + "or external check, or role = \"any\""
                    },
                    "\(check) \(role)")
            }
        }
    }

    func testAPerServerCheckTypeIsWhatCounts() {
        XCTAssertEqual(
            descriptions(text(check: "pgsql", role: "primary", serverExtra: "check_type = \"tcp\"")).count, 1)
        XCTAssertNoThrow(
            try ConfigLoader.load(
                text: text(check: "tcp", role: "primary", serverExtra: "check_type = \"patroni\"")
                    + "\nservers = [\"pg1\"]",
                path: "t.toml"),
            "pg2 and its tcp check are not in the pool")
    }

    func testRoleAwareChecksAndRoleAnyAreAccepted() throws {
        for check in ["pgsql", "patroni"] {
            XCTAssertNoThrow(try ConfigLoader.load(text: text(check: check, role: "primary"), path: "t.toml"), check)
        }
        let external = text(check: "external", role: "replica")
            .replacingOccurrences(of: "port = 9000", with: "command = \"/usr/local/bin/role-of\"")
        XCTAssertNoThrow(try ConfigLoader.load(text: external, path: "t.toml"), "its command may print role=")
        for check in ["tcp", "pg-hello", "agent"] {
            XCTAssertNoThrow(try ConfigLoader.load(text: text(check: check, role: "any"), path: "t.toml"), check)
        }
    }
}
