@testable import AdminIO
import Foundation
import XCTest

final class BasicAuthTests: XCTestCase {
    private func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "pgfloat-auth-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func header(_ credentials: String) -> String {
        "Basic " + Data(credentials.utf8).base64EncodedString()
    }

    func testKnownUsersWithTheirPasswordsOnly() throws {
        let auth = try BasicAuth(path: try file("# who\nops:pa:ss\n\nviewer:x\n"))
        XCTAssertTrue(auth.allows(authorization: header("ops:pa:ss")), "a password may hold colons")
        XCTAssertTrue(auth.allows(authorization: header("viewer:x")))
        XCTAssertFalse(auth.allows(authorization: header("viewer:y")))
        XCTAssertFalse(auth.allows(authorization: header("viewer:")))
        XCTAssertFalse(auth.allows(authorization: header("nobody:x")))
        XCTAssertFalse(auth.allows(authorization: "Basic !!!not-base64"))
        XCTAssertFalse(auth.allows(authorization: "Bearer abc"))
        XCTAssertFalse(auth.allows(authorization: nil))
    }

    func testAFileWithoutUsersOrWithABadLineIsRefused() throws {
        XCTAssertThrowsError(try BasicAuth(path: try file("# nothing\n")))
        XCTAssertThrowsError(try BasicAuth(path: try file("justaname\n"))) { error in
            XCTAssertTrue("\(error)".hasSuffix(":1: expected user:password"), "\(error)")
        }
        XCTAssertThrowsError(try BasicAuth(path: "/nonexistent/pgfloat.auth"))
    }
}
