@testable import ConfigModel
import XCTest

final class SourceMapTests: XCTestCase {
    func testHeadersAndKeysWithOccurrences() {
        let map = SourceMap(text: """
            top = 1
            [global]
            admin_socket = "/a"

            [[server]]
            name = "a"
            [[server]]
              name = "b"   # indented, with a comment
            "quoted.key" = 1
            """)
        XCTAssertEqual(map.line(table: "", key: "top"), 1)
        XCTAssertEqual(map.line(table: "global", key: "admin_socket"), 3)
        XCTAssertEqual(map.line(table: "server", occurrence: 0, key: "name"), 6)
        XCTAssertEqual(map.line(table: "server", occurrence: 1, key: "name"), 8)
        XCTAssertEqual(map.line(table: "server", occurrence: 1, key: "quoted.key"), 9)
        XCTAssertEqual(map.line(table: "server", occurrence: 1, key: "missing"), 7, "falls back to the header")
        XCTAssertEqual(map.line(table: "server", occurrence: 2, key: "name"), 5, "falls back to the first header")
        XCTAssertEqual(map.line(table: "", key: "global"), 2, "a header is a key of the root")
        XCTAssertEqual(map.line(table: "absent", key: "name"), 1, "falls back to line 1")
    }

    func testMultiLineArraysAreNotTakenAsKeys() {
        let map = SourceMap(text: """
            [[listener]]
            servers = [
                "pg1",  # first = primary
                "pg2",
              [ "nested" ],
            ]
            bind = "*:5432"
            inline = { a = 1, b = [
              2 ] }
            role = "any"
            """)
        XCTAssertEqual(map.line(table: "listener", key: "servers"), 2)
        XCTAssertEqual(map.line(table: "listener", key: "bind"), 7)
        XCTAssertEqual(map.line(table: "listener", key: "role"), 10)
        XCTAssertEqual(map.sections.map(\.name), ["", "listener"], "the nested [ line is not a header")
        XCTAssertEqual(map.sections[1].keys.count, 4)
    }

    func testHashAndEqualsInsideStringsAndComments() {
        let map = SourceMap(text: """
            [global] # [not.a.header]
            admin_socket = "/tmp/#sock=1" # note = "x"
            a = 'lit#eral[' # [
            b = "esc\\"#[" # ]
            'k=ey' = 1
            c = \"\"\"
            not_a_key = 1
            [not_a_header]
            \"\"\"
            d = '''
            x = [ '''
            e = 1
            """)
        XCTAssertEqual(map.sections.map(\.name), ["", "global"])
        XCTAssertEqual(map.line(table: "global", key: "admin_socket"), 2)
        XCTAssertEqual(map.line(table: "global", key: "a"), 3)
        XCTAssertEqual(map.line(table: "global", key: "b"), 4)
        XCTAssertEqual(map.line(table: "global", key: "k=ey"), 5)
        XCTAssertEqual(map.line(table: "global", key: "c"), 6)
        XCTAssertNil(map.sections[1].keys["not_a_key"])
        XCTAssertEqual(map.line(table: "global", key: "d"), 10)
        XCTAssertNil(map.sections[1].keys["x"])
        XCTAssertEqual(map.line(table: "global", key: "e"), 12)
    }

    func testDottedNamesAndSubTables() {
        let map = SourceMap(text: """
            [[server]]
            tls.mode = "x"
            [ server . "sub.table" ]
            k = 1
            [other.child]
            """)
        XCTAssertEqual(map.line(table: "server", key: "tls"), 2)
        XCTAssertEqual(map.line(table: "server", key: "sub.table"), 3, "a sub-table header is a key of its parent")
        XCTAssertEqual(map.line(table: "server.sub.table", key: "k"), 4)
        XCTAssertEqual(map.headerLine(table: "other"), 5, "an undeclared parent falls back to its first sub-table")
    }

    func testArraysOfTablesInsideArraysOfTables() {
        let map = SourceMap(text: """
            [[vrrp]]
            name = "a"
            [[vrrp.track_script]]
            name = "a1"
            [global]
            x = 1
            [[vrrp.track_script]]
            name = "a2"
            [[vrrp]]
            name = "b"
            track_script = [{ name = "b1" }]
            [[vrrp]]
            [[vrrp.track_script]]
            name = "c1"
            """)
        func script(_ instance: Int, _ script: Int) -> [(name: String, key: String, occurrence: Int)] {
            [("vrrp", "vrrp", instance), ("vrrp.track_script", "track_script", script)]
        }
        XCTAssertEqual(map.line(path: script(0, 0), key: "name"), 4)
        XCTAssertEqual(map.line(path: script(0, 1), key: "name"), 8, "a later [global] does not end the element")
        XCTAssertEqual(map.line(path: script(2, 0), key: "name"), 14, "counted within its own [[vrrp]]")
        XCTAssertEqual(map.line(path: script(1, 0), key: "name"), 11, "inline: the line of the key holding it")
        XCTAssertEqual(map.line(path: script(2, 1), key: "name"), 13, "absent: the first header of its kind")
        XCTAssertEqual(map.line(path: [("vrrp", "vrrp", 0)], key: "track_script"), 3)
        XCTAssertEqual(map.line(path: [("vrrp", "vrrp", 1)]), 9)
        XCTAssertEqual(map.line(path: [], key: "global"), 5)
    }

    func testCRLFLineEndings() {
        let map = SourceMap(text: "[global]\r\n\r\nlog_sessions = true\r\n[check]\r\nrise = 2\r\n")
        XCTAssertEqual(map.line(table: "global", key: "log_sessions"), 3)
        XCTAssertEqual(map.line(table: "check", key: "rise"), 5)
    }

    func testLoaderUsesMapThroughMultiLineValues() {
        let text = """
            [[server]]
            name = "pg1"  # the "primary" = first
            address = "10.0.0.11:5432"

            [[listener]]
            name = "main"
            bind = [
                "*:5432",   # rw
                "*:6432#",  # pooled = no
            ]
            servers = [
                "pg1",
            ]
            maxconn = 0
            """
        XCTAssertEqual(descriptions(text), [
            #"t.toml:7: listener.bind: address "*:6432#": port "6432#" is not a number"#,
            "t.toml:14: listener.maxconn: expected an integer of at least 1, got 0",
        ])
    }
}
