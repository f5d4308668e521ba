import XCTest

@testable import AdminCore

/// The newest primary timeline and the servers claiming primary, in every report, and the command that clears
/// the timeline.
final class PrimaryClaimsReportTests: XCTestCase {
    private var snapshot: StatsSnapshot {
        var snapshot = Fixtures.snapshot
        snapshot.process.newestTimeline = 7
        snapshot.process.primaryClaimants = ["pg1", "pg3"]
        return snapshot
    }

    func testStatusJSONShowsTheNewestTimelineAndTheClaimants() throws {
        let data = Data(StatusJSON.render(snapshot).utf8)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let process = try XCTUnwrap(document["process"] as? [String: Any])
        XCTAssertEqual(process["newest_timeline"] as? Int, 7)
        XCTAssertEqual(process["primary_claimants"] as? [String], ["pg1", "pg3"])
        let unknown = Data(StatusJSON.render(Fixtures.snapshot).utf8)
        let plain = try XCTUnwrap(JSONSerialization.jsonObject(with: unknown) as? [String: Any])
        XCTAssertTrue((plain["process"] as? [String: Any])?["newest_timeline"] is NSNull)
    }

    func testShowInfoShowsThem() {
        let lines = InfoReport.render(snapshot).split(separator: "\n")
        XCTAssertTrue(lines.contains("NewestTimeline: 7"))
        XCTAssertTrue(lines.contains("PrimaryClaimants: 2"))
        XCTAssertTrue(InfoReport.render(Fixtures.snapshot).split(separator: "\n").contains("NewestTimeline: -"))
    }

    func testShowStatShowsThemOnBackendRows() {
        let lines = StatReport.render(snapshot).split(separator: "\n")
        let header = lines[0].dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let rows = lines.dropFirst().map { line in
            Dictionary(
                zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)),
                uniquingKeysWith: { first, _ in first })
        }
        let backends = rows.filter { $0["svname"] == "BACKEND" }
        XCTAssertEqual(backends.map { $0["newest_timeline"] }, ["7", "7"])
        XCTAssertEqual(backends.map { $0["primary_claimants"] }, ["2", "2"])
        let server = rows.first { $0["svname"] == "pg1" }
        XCTAssertEqual(server?["newest_timeline"], "")
    }

    func testClearTimelineParsesAndIsInTheHelp() {
        XCTAssertEqual(try AdminCommand.parse("clear timeline").get(), .clearTimeline)
        XCTAssertThrowsError(try AdminCommand.parse("clear timeline now").get())
        XCTAssertTrue(HelpReport.render().contains("clear timeline"))
        XCTAssertNil(AdminReport.output(for: .clearTimeline, snapshot: Fixtures.snapshot))
    }
}
