import ConfigModel
import XCTest

/// `on_primary_lost`: what a primary listener does with its sessions on a server that lost the primary role.
final class ConfigLoaderPrimaryLostTests: XCTestCase {
    /// A pgsql check: a listener that routes by role needs one that tells roles.
    private let base = minimalServer + "\ncheck_type = \"pgsql\"\n" + minimalListener + "\n"

    func testAPrimaryListenerClosesTheSessionsOfALostPrimaryByDefault() throws {
        let config = try ConfigLoader.load(text: base + "role = \"primary\"\n", path: "t.toml")
        XCTAssertEqual(config.listeners[0].onPrimaryLost, .shutdownSessions)
    }

    func testItCanBeTurnedOff() throws {
        let config = try ConfigLoader.load(
            text: base + "role = \"primary\"\non_primary_lost = \"none\"\n", path: "t.toml")
        XCTAssertEqual(config.listeners[0].onPrimaryLost, MarkedDownAction.none)
    }

    func testAnUnknownActionIsRejectedWithItsLine() throws {
        let problem = try XCTUnwrap(onlyProblem(base + "role = \"primary\"\non_primary_lost = \"kill\"\n"))
        XCTAssertEqual(problem.key, "listener.on_primary_lost")
        XCTAssertEqual(problem.line, 9)
        XCTAssertTrue(problem.message.contains("\"shutdown-sessions\""), problem.message)
    }

    func testItIsRejectedOnAListenerWhosePoolNeverHoldsAPrimary() throws {
        let problem = try XCTUnwrap(onlyProblem(base + "role = \"replica\"\non_primary_lost = \"none\"\n"))
        XCTAssertEqual(problem.key, "listener.on_primary_lost")
        XCTAssertEqual(problem.line, 9)
        XCTAssertTrue(problem.message.contains("role = \"replica\""), problem.message)
    }

    func testAnyAndReplicaOrPrimaryListenersTakeIt() throws {
        for role in ["any", "replica-or-primary"] {
            let config = try ConfigLoader.load(
                text: base + "role = \"\(role)\"\non_primary_lost = \"none\"\n", path: "t.toml")
            XCTAssertEqual(config.listeners[0].onPrimaryLost, MarkedDownAction.none, role)
        }
    }
}
