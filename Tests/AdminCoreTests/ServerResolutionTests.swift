import AdminCore
import XCTest

final class ServerResolutionTests: XCTestCase {
    private let snapshot = Fixtures.snapshot

    func testNamedListener() throws {
        let rows = try resolve(ServerReference(listener: "pg_ro", server: "pg1"), in: snapshot).get()
        XCTAssertEqual(rows.map(\.listener), ["pg_ro"])
        XCTAssertEqual(rows.map(\.status), ["DRAIN"])
    }

    func testStarTakesEveryListenerHoldingTheServer() throws {
        let pg1 = try resolve(ServerReference(listener: nil, server: "pg1"), in: snapshot).get()
        XCTAssertEqual(pg1.map(\.listener), ["pg_rw", "pg_ro"])
        let pg3 = try resolve(ServerReference(listener: nil, server: "pg3"), in: snapshot).get()
        XCTAssertEqual(pg3.map(\.listener), ["pg_ro"])
    }

    func testUnknownNames() {
        func failure(_ listener: String?, _ server: String) -> String? {
            guard case .failure(let error) = resolve(ServerReference(listener: listener, server: server), in: snapshot)
            else { return nil }
            return error.message
        }
        XCTAssertEqual(failure("nope", "pg1"), "No such backend.")
        XCTAssertEqual(failure("pg_rw", "pg3"), "No such server.")
        XCTAssertEqual(failure(nil, "pg9"), "No such server.")
    }

    func testReferenceParsing() {
        XCTAssertEqual(ServerReference(parsing: "l/s"), ServerReference(listener: "l", server: "s"))
        XCTAssertEqual(ServerReference(parsing: "*/s"), ServerReference(listener: nil, server: "s"))
        XCTAssertEqual(ServerReference(parsing: "l/s/t"), ServerReference(listener: "l", server: "s/t"))
        XCTAssertNil(ServerReference(parsing: "ls"))
        XCTAssertNil(ServerReference(parsing: "/s"))
        XCTAssertNil(ServerReference(parsing: "l/"))
    }
}
