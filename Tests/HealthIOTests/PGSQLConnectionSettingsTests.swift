import ConfigModel
import XCTest

@testable import HealthIO

final class PGSQLConnectionSettingsTests: XCTestCase {
    /// The server must cancel a slow check and its answer arrive before the client-side timeout drops the session.
    func testTheStatementTimeoutIsJustUnderTheCheckTimeout() {
        XCTAssertEqual(PGSQLConnectionSettings.statementTimeout(checkTimeout: .seconds(2)), .milliseconds(1600))
        XCTAssertEqual(PGSQLConnectionSettings.statementTimeout(checkTimeout: .seconds(1)), .milliseconds(800))
        XCTAssertEqual(
            PGSQLConnectionSettings.statementTimeout(checkTimeout: .milliseconds(1)), .milliseconds(1),
            "never 0, which would turn it off")
    }

    func testTheSessionAsksForItsStatementTimeoutAtLogin() throws {
        let settings = CheckSettings(type: .pgsql, timeout: .milliseconds(1500), sslmode: .disable)
        let configuration = try PGSQLConnectionSettings.configuration(host: "db", port: 5432, settings: settings)
        let parameters = configuration.options.additionalStartupParameters
        XCTAssertEqual(parameters.first { $0.0 == "statement_timeout" }?.1, "1200")
        XCTAssertEqual(parameters.first { $0.0 == "application_name" }?.1, PGSQLConnectionSettings.applicationName)
    }
}
