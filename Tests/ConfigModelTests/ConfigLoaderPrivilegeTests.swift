import ConfigModel
import XCTest

/// `[global] user` and `group`: who the daemon becomes after start, and what that allows for script_user.
final class ConfigLoaderPrivilegeTests: XCTestCase {
    func testUserAndGroupLoad() throws {
        let config = try ConfigLoader.load(
            text: withProxy("[global]\nuser = \"pgfloat\"\ngroup = \"pgfloat-admin\""), path: "t.toml")
        XCTAssertEqual(config.global.user, "pgfloat")
        XCTAssertEqual(config.global.group, "pgfloat-admin")
    }

    func testDefaultsStayRoot() throws {
        let config = try ConfigLoader.load(text: withProxy(""), path: "t.toml")
        XCTAssertNil(config.global.user)
        XCTAssertNil(config.global.group)
    }

    func testUserIsAUserName() {
        XCTAssertEqual(
            descriptions(withProxy("[global]\nuser = \"1pgfloat\"")),
            [#"t.toml:2: global.user: invalid user name "1pgfloat"; start with a letter or "_", then use letters, "#
                + #"digits, "_", "." and "-", at most 32 bytes"#])
        XCTAssertEqual(
            descriptions(withProxy("[global]\nuser = 998")),
            ["t.toml:2: global.user: expected a user name string, got integer 998"])
    }

    /// Without CAP_SETUID the daemon cannot start scripts as anyone else.
    func testScriptUserMustBeUserOnceUserIsSet() throws {
        let same = try ConfigLoader.load(
            text: withProxy("[global]\nuser = \"pgfloat\"\nscript_user = \"pgfloat\""), path: "t.toml")
        XCTAssertEqual(same.global.scriptUser, "pgfloat")
        // Reported at script_user's line whichever key comes first.
        for text in [
            "[global]\nuser = \"pgfloat\"\nscript_user = \"nobody\"",
            "[global]\nlog_sessions = true\nscript_user = \"nobody\"\nuser = \"pgfloat\"",
        ] {
            XCTAssertEqual(
                descriptions(withProxy(text)),
                [#"t.toml:3: global.script_user: scripts run as user "pgfloat" once pgfloat has dropped to it "#
                    + #"(switching to "nobody" would need CAP_SETUID); remove script_user or set it to "pgfloat""#],
                text)
        }
    }

    func testGroupNeedsUser() {
        XCTAssertEqual(
            descriptions(withProxy("[global]\ngroup = \"pgfloat\"")),
            ["t.toml:2: global.group: group is used with user only; set user too, or remove group"])
    }
}
