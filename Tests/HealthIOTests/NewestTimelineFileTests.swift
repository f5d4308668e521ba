import Foundation
import HealthCore
import HealthIO
import XCTest

/// The state file at the edge: written atomically, read back, removed by `clear timeline`; a missing file is
/// nothing remembered, a corrupt one an error the checker logs, an unwritable directory an error it counts.
final class NewestTimelineFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "pgfloat-timeline-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testAWrittenTimelineIsReadBackAndClearingRemovesTheFile() throws {
        let file = NewestTimelineFile(path: "\(directory)/newest-timeline")
        XCTAssertNil(try file.load(), "no file: nothing remembered")
        try file.write(6)
        XCTAssertEqual(try file.load(), 6)
        try file.write(7)
        XCTAssertEqual(try file.load(), 7)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory), ["newest-timeline"],
            "the temporary file was renamed over the old one")
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        try file.write(nil)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))
        XCTAssertNil(try file.load())
        try file.write(nil)
    }

    func testACorruptFileIsAnErrorNotATimeline() throws {
        let file = NewestTimelineFile(path: "\(directory)/newest-timeline")
        try Data("newest_primary_timeline = \0\0".utf8).write(to: URL(fileURLWithPath: file.path))
        XCTAssertThrowsError(try file.load())
    }

    func testAnUnwritableDirectoryIsAnErrorThatNamesTheCall() {
        let file = NewestTimelineFile(path: "\(directory)/missing/newest-timeline")
        XCTAssertThrowsError(try file.write(3)) { error in
            XCTAssertTrue("\(error)".contains("open \(directory)/missing/newest-timeline.tmp"), "\(error)")
        }
    }

    func testTheFileLivesInSystemdsStateDirectoryElseInVarLib() {
        XCTAssertEqual(
            NewestTimelineFile.defaultPath(environment: ["STATE_DIRECTORY": "/var/lib/pgfloat:/var/lib/other"]),
            "/var/lib/pgfloat/newest-timeline")
        XCTAssertEqual(
            NewestTimelineFile.defaultPath(environment: ["STATE_DIRECTORY": "/srv/state"]),
            "/srv/state/newest-timeline")
        XCTAssertEqual(NewestTimelineFile.defaultPath(environment: [:]), "/var/lib/pgfloat/newest-timeline")
    }
}
