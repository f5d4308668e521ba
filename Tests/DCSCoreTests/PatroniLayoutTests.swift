import DCSCore
import XCTest

final class PatroniLayoutTests: XCTestCase {
    func testKeysOfOneScope() {
        let layout = PatroniLayout(namespace: "/service", scope: "pg")
        XCTAssertEqual(layout.leaderKey, "/service/pg/leader")
        XCTAssertEqual(layout.classify("/service/pg/leader"), .leader)
        XCTAssertEqual(layout.classify("/service/pg/members/node1"), .member("node1"))
        XCTAssertEqual(layout.classify("/service/pg/members/"), .other)
        XCTAssertEqual(layout.classify("/service/pg/config"), .other)
        XCTAssertEqual(layout.classify("/service/pg2/leader"), .other)
        XCTAssertEqual(layout.rangeEnd, Array("/service/pg0".utf8))
    }

    func testAnEmptyNamespaceStartsAtTheRoot() {
        XCTAssertEqual(PatroniLayout(namespace: "", scope: "pg").leaderKey, "/pg/leader")
    }

    func testMemberRecordAsPatroniWritesIt() throws {
        let json = """
            {"conn_url":"postgres://10.0.0.11:5433/postgres","api_url":"http://10.0.0.11:8008/patroni",\
            "state":"running","role":"replica","version":"3.3.2","xlog_location":50331800,"timeline":2}
            """
        let member = try XCTUnwrap(PatroniMember(name: "node2", json: Array(json.utf8)))
        XCTAssertEqual(member.host, "10.0.0.11")
        XCTAssertEqual(member.port, 5433)
        XCTAssertEqual(member.role, "replica")
        XCTAssertEqual(member.timeline, 2)
        XCTAssertEqual(member.walPosition, 50_331_800)
        XCTAssertTrue(member.isRunning)
        let v6 = try XCTUnwrap(PatroniMember(name: "n", json: Array(#"{"conn_url":"postgres://[fd00::5]/db"}"#.utf8)))
        XCTAssertEqual(v6.host, "fd00::5")
        XCTAssertEqual(v6.port, 5432)
        XCTAssertNil(PatroniMember(name: "n", json: Array("not json".utf8)))
        XCTAssertFalse(PatroniMember(name: "n", state: "stopped").isRunning)
    }
}
