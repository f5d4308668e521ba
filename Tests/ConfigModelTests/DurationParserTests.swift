import ConfigModel
import XCTest

final class DurationParserTests: XCTestCase {
    func testValidDurations() {
        let cases: [(String, Duration)] = [
            ("100us", .microseconds(100)),
            ("250ms", .milliseconds(250)),
            ("5s", .seconds(5)),
            ("30m", .seconds(1800)),
            ("1h", .seconds(3600)),
            ("2d", .seconds(172_800)),
            ("007s", .seconds(7)),
            ("1500ms", .milliseconds(1500)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(DurationParser.parse(text), expected, text)
        }
    }

    func testInvalidDurations() {
        let cases = [
            "", "5", "5 s", " 5s", "5s ", "-1s", "+1s", "0s", "0ms", "1.5s", "s", "5sec", "5S", "5ns", "1e3s", "5m5s",
            "٥s", "99999999999999999999s", "9999999999999999d",
        ]
        for text in cases {
            XCTAssertNil(DurationParser.parse(text), text)
        }
    }

    func testTextUsesTheLargestExactUnit() {
        let cases: [(Duration, String)] = [
            (.milliseconds(1500), "1500ms"), (.seconds(120), "2m"), (.seconds(1000), "1000s"), (.seconds(3600), "1h"),
            (.microseconds(100), "100us"), (.seconds(86400 * 2), "2d"), (.zero, "0s"),
            (.milliseconds(40950), "40950ms"),
        ]
        for (duration, expected) in cases {
            XCTAssertEqual(DurationParser.text(duration), expected)
            XCTAssertEqual(DurationParser.parse(expected, allowZero: true), duration, "round trip")
        }
    }
}
