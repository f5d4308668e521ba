import XCTest

@testable import AdminCore

final class StatReportTests: XCTestCase {
    private let csv = StatReport.render(Fixtures.snapshot)

    private var lines: [Substring] { csv.split(separator: "\n") }

    private var header: [String] {
        guard let first = lines.first, first.hasPrefix("# ") else { return [] }
        return first.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }

    func testHeaderIsHAProxysColumnsThenOurs() {
        let haproxy = "pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,"
            + "status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,"
            + "rate,rate_lim,rate_max,check_status,check_code,check_duration,"
        let ours = "role,timeline,lag_bytes,admin_state,newest_timeline,primary_claimants,"
            + "patroni_tags,sync_standby,patroni_paused,"
        XCTAssertEqual(String(lines[0]), "# " + haproxy + ours)
    }

    func testEveryRowHasTheHeadersColumnCountAndATrailingComma() {
        XCTAssertEqual(lines.count, 1 + 3 + 5, "FRONTEND, server, BACKEND for pg_rw; FRONTEND, 3 servers, BACKEND")
        for line in lines {
            XCTAssertTrue(line.hasSuffix(","), String(line))
            XCTAssertEqual(line.split(separator: ",", omittingEmptySubsequences: false).count, header.count)
        }
    }

    func testRowOrderAndTypes() {
        let rows = lines.dropFirst().map(row)
        XCTAssertEqual(
            rows.map { $0["svname"] }, ["FRONTEND", "pg1", "BACKEND", "FRONTEND", "pg2", "pg3", "pg1", "BACKEND"])
        XCTAssertEqual(rows.map { $0["type"] }, ["0", "2", "1", "0", "2", "2", "2", "1"])
        XCTAssertEqual(rows.map { $0["iid"] }, ["1", "1", "1", "2", "2", "2", "2", "2"])
        XCTAssertEqual(rows.map { $0["sid"] }, ["0", "1", "0", "0", "1", "2", "3", "0"])
    }

    func testServerRowValues() {
        let pg1 = row(lines[2])
        let expected = [
            "pxname": "pg_rw", "svname": "pg1", "qcur": "", "scur": "2", "smax": "9", "slim": "200", "stot": "100",
            "bin": "1000", "bout": "50000", "econ": "3", "status": "UP", "weight": "100", "act": "1", "bck": "0",
            "chkfail": "4", "chkdown": "1", "lastchg": "3700", "downtime": "12", "pid": "4242", "type": "2",
            "check_status": "L7OK", "check_duration": "3", "role": "primary", "timeline": "7", "lag_bytes": "0",
            "admin_state": "ready", "lbtot": "", "rate": "",
        ]
        for (column, value) in expected {
            XCTAssertEqual(pg1[column], value, column)
        }
        let pg3 = row(lines[6])
        XCTAssertEqual([pg3["act"], pg3["bck"], pg3["slim"], pg3["lastchg"]], ["0", "1", "", ""])
        XCTAssertEqual([pg3["status"], pg3["admin_state"], pg3["timeline"]], ["MAINT", "maint", ""])
    }

    func testFrontendAndBackendRows() {
        let frontend = row(lines[1])
        XCTAssertEqual(frontend["status"], "OPEN")
        XCTAssertEqual(
            [frontend["scur"], frontend["slim"], frontend["stot"], frontend["qcur"]], ["2", "500", "100", ""])
        let backend = row(lines[3])
        XCTAssertEqual([backend["status"], backend["qcur"], backend["qmax"], backend["econ"]], ["UP", "1", "4", "3"])
        XCTAssertEqual(
            [backend["act"], backend["bck"], backend["weight"], backend["bout"]], ["1", "0", "100", "50000"])
    }

    func testBackendIsDownWithoutEligibleServer() {
        var snapshot = Fixtures.snapshot
        snapshot.servers[0].eligible = false
        let backend = row(StatReport.render(snapshot).split(separator: "\n")[3])
        XCTAssertEqual([backend["svname"], backend["status"], backend["act"]], ["BACKEND", "DOWN", "0"])
    }

    func testFieldWithACommaIsQuoted() {
        XCTAssertEqual(Escaping.csv("a,b\"c"), "\"a,b\"\"c\"")
        XCTAssertEqual(Escaping.csv("plain"), "plain")
        let csv = StatReport.render(Fixtures.renamingFirstListener(to: "x,y"))
        XCTAssertTrue(csv.contains("\n\"x,y\",FRONTEND,"), csv)
    }

    private func row(_ line: Substring) -> [String: String] {
        let values = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return Dictionary(uniqueKeysWithValues: zip(header, values))
    }
}
