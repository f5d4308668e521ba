import ConfigModel
import XCTest

final class EndpointParserTests: XCTestCase {
    func testValidEndpoints() {
        let cases: [(String, host: String, port: Int)] = [
            ("10.0.0.11:5432", "10.0.0.11", 5432),
            ("[::1]:5432", "::1", 5432),
            ("[fe80::1:2]:1", "fe80::1:2", 1),
            ("*:5432", "0.0.0.0", 5432),
            ("db.example.com:5432", "db.example.com", 5432),
            ("pg_1-a:65535", "pg_1-a", 65535),
        ]
        for (text, host, port) in cases {
            XCTAssertEqual(EndpointParser.parse(text, line: 7), .success(Endpoint(host: host, port: port)), text)
            XCTAssertEqual(try? EndpointParser.parse(text, line: 7).get().line, 7, text)
        }
    }

    func testDescriptionRoundTrips() {
        for text in ["10.0.0.11:5432", "[::1]:5432", "db.example.com:5432"] {
            XCTAssertEqual(try? EndpointParser.parse(text, line: 1).get().description, text)
        }
    }

    func testInvalidEndpoints() {
        let cases: [(String, String)] = [
            ("[::1]", #"address "[::1]" has no port; write it as host:port, like "10.0.0.11:5432""#),
            ("::1:5432", #"address "::1:5432": put an IPv6 address in brackets, like "[::1]:5432""#),
            ("fe80::1", #"address "fe80::1": put an IPv6 address in brackets, like "[::1]:5432""#),
            ("host:0", #"address "host:0": port 0 is out of range 1...65535"#),
            ("host:65536", #"address "host:65536": port 65536 is out of range 1...65535"#),
            ("host:99999999999999999999", #"address "host:99999999999999999999": port 99999999999999999999 is out "#
                + "of range 1...65535"),
            ("host:abc", #"address "host:abc": port "abc" is not a number"#),
            ("host:-1", #"address "host:-1": port "-1" is not a number"#),
            ("host:", #"address "host:": port "" is not a number"#),
            ("host", #"address "host" has no port; write it as host:port, like "10.0.0.11:5432""#),
            ("", #"address "" has no port; write it as host:port, like "10.0.0.11:5432""#),
            (":5432", #"address ":5432": "" is not a host name or IP address"#),
            ("my host:5432", #"address "my host:5432": "my host" is not a host name or IP address"#),
            ("[::1:5432", #"address "[::1:5432" has no closing "]"; write IPv6 as "[::1]:5432""#),
            ("[::1]5432", #"address "[::1]5432": expected ":port" after "]""#),
            ("[]:5432", #"address "[]:5432": "" is not an IPv6 address"#),
            ("[db.example.com]:5432", #"address "[db.example.com]:5432": "db.example.com" is not an IPv6 address"#),
        ]
        for (text, message) in cases {
            let expected = Result<Endpoint, EndpointError>.failure(EndpointError(line: 3, message: message))
            XCTAssertEqual(EndpointParser.parse(text, line: 3), expected, text)
        }
    }
}
