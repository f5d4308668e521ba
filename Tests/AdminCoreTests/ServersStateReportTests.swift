import XCTest

@testable import AdminCore

final class ServersStateReportTests: XCTestCase {
    func testHeaderAndFields() {
        let lines = ServersStateReport.render(Fixtures.snapshot).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "1")
        let names = lines[1].split(separator: " ").dropFirst().map(String.init)
        XCTAssertEqual(names.count, 20)
        XCTAssertEqual(Array(names.prefix(3)), ["be_id", "be_name", "srv_id"])
        XCTAssertEqual(names.last, "srvrecord")
        XCTAssertEqual(lines.count, 2 + 4)
        for line in lines.dropFirst(2) {
            XCTAssertEqual(line.split(separator: " ").count, names.count, line)
        }
        func fields(_ line: String) -> [String: String] {
            Dictionary(uniqueKeysWithValues: zip(names, line.split(separator: " ").map(String.init)))
        }
        let pg1 = fields(lines[2])
        let expected = [
            "be_id": "1", "be_name": "pg_rw", "srv_id": "1", "srv_name": "pg1", "srv_addr": "10.0.0.1",
            "srv_op_state": "2", "srv_admin_state": "0", "srv_uweight": "100", "srv_iweight": "100",
            "srv_time_since_last_change": "3700", "srv_check_status": "15", "srv_check_result": "3",
            "srv_check_state": "6", "srv_fqdn": "-", "srv_port": "5432", "srvrecord": "-",
        ]
        for (name, value) in expected {
            XCTAssertEqual(pg1[name], value, name)
        }
        XCTAssertEqual(lines[3], "2 pg_ro 1 pg2 fd00::2 2 0 50 50 0 15 3 0 6 0 0 0 - 5433 -")
        XCTAssertEqual(lines[4], "2 pg_ro 2 pg3 10.0.0.3 0 1 10 10 0 8 2 0 14 0 0 0 - 5432 -")
        XCTAssertEqual(lines[5], "2 pg_ro 3 pg1 10.0.0.1 2 8 100 100 0 15 3 0 6 0 0 0 - 5432 -")
    }

    func testOneListener() {
        let lines = ServersStateReport.render(Fixtures.snapshot, listener: "pg_rw").split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[2].hasPrefix("1 pg_rw 1 pg1 "))
        XCTAssertEqual(ServersStateReport.render(Fixtures.snapshot, listener: "nope"), "Can't find backend.\n")
    }

    func testAddressSplitting() {
        XCTAssertTrue(ServersStateReport.hostAndPort("db.example:5432") == ("db.example", "5432"))
        XCTAssertTrue(ServersStateReport.hostAndPort("[::1]:6432") == ("::1", "6432"))
        XCTAssertTrue(ServersStateReport.hostAndPort("fd00::1") == ("fd00::1", "0"))
        XCTAssertTrue(ServersStateReport.hostAndPort("db") == ("db", "0"))
    }
}
