import ConfigModel
import XCTest

/// Inputs the config-load fuzzer (Fuzz/ConfigLoad) found, which used to abort the process.
final class ConfigLoaderFuzzRegressionTests: XCTestCase {
    /// toml++ 3.4.0, inside TOMLKit 0.6.0, failed an assertion (SIGABRT) in `parse_key` on a table header whose
    /// name starts with neither a key character nor a quote; "[#" is the fuzzer's minimised input. Each is now one
    /// syntax error.
    func testHeaderWithoutAKeyIsASyntaxError() {
        let headers = [
            "[#", "[\n", "[\r\n", "[ #x]\n", "[[=\n", "[[[a]]]\n", "[ [a]]\n", "[{a = 1}]\n", "[.a]\n", "\u{FEFF}[#",
            "[\u{A0}a]\n",
        ]
        for text in headers {
            let problem = onlyProblem(text)
            XCTAssertEqual(problem?.line, 1, text.debugDescription)
            XCTAssertEqual(problem?.key, "syntax", text.debugDescription)
        }
    }

    func testHeaderProblemNamesItsLineAndWhatStandsThere() {
        let text = minimalServer + "\n" + minimalListener + "\n\n[#\n"
        XCTAssertEqual(
            descriptions(text),
            [#"t.toml:8: syntax: Error while parsing table header: expected a table name after "[", saw '#'"#])
        XCTAssertEqual(
            descriptions("[\nx = 1\n"),
            [#"t.toml:1: syntax: Error while parsing table header: expected a table name after "[", saw a line break"#])
    }

    /// toml++ failed an assertion in `parse_value` on an array element starting with "}" or a Unicode line
    /// separator; "n=[}" is the fuzzer's minimised input.
    func testArrayElementStartingWithBraceIsASyntaxError() {
        let values = [
            "n=[}", "n = [1, }\n", "n = [\n  # comment\n  }\n]\n", "n = { a = [\n}\n", "n = [\u{2028}]\n",
            "n = [1,\u{85}]\n", "n = [[}]]\n",
        ]
        for text in values {
            let problem = onlyProblem(text)
            XCTAssertEqual(problem?.key, "syntax", text.debugDescription)
        }
        XCTAssertEqual(
            descriptions("[global]\nlog_sessions = true\nn = [\n  1,\n  }\n"),
            [#"t.toml:5: syntax: Error while parsing array: expected a value or "]", saw '}'"#])
    }

    /// toml++ failed an assertion in `parse_time` on a value it reads as a date-time with no digit after the "T"
    /// ("a = 2000-01-01T:" is the fuzzer's minimised input): wherever a value starts, with any of the characters
    /// that keep toml++'s type scan on the date-time path.
    func testDateTimeWithoutTimeIsASyntaxError() {
        let values = [
            "a = 2000-01-01T:", "a = [1979-05-27T:00]\n", "a = 2000-01-01t:\n", "a = 2000-02-29T:\n",
            "a = 0000-01-01T:\n", "a = 2000-01-01T:00:00Z\n", "a = 2000-01-01TZ:\n", "a = 2000-01-01T+:\n",
            "a = 2000-01-01T-.:\n", "a = 2000-01-01T_:\n", "a = 2000-01-01Tx:\n", "a = 2000-01-01T\u{E9}:\n",
            "a = 2000-01-01T" + String(repeating: "x", count: 115) + ":\n",
            "a = 2000-01-01T" + String(repeating: "_", count: 115) + ":\n",
            "a = 2000-01-01T" + String(repeating: "\u{E9}", count: 115) + ":\n",
            "a = { b = 2000-01-01T: }\n", "a = [1, [\n  2000-01-01T:]]\n", "a = [{ b = [2000-01-01T:] }]\n",
        ]
        for text in values {
            let problem = onlyProblem(text)
            XCTAssertEqual(problem?.key, "syntax", text.debugDescription)
            XCTAssertTrue(problem?.message.contains("expected a 2-digit hour after") ?? false, text.debugDescription)
        }
        XCTAssertEqual(
            descriptions("[global]\nlog_sessions = 2000-01-01T:\n" + minimalServer),
            ["t.toml:2: syntax: Error while parsing date-time: expected a 2-digit hour after 'T', saw ':'"])
        XCTAssertEqual(
            descriptions("x = [\n  1,\n  1979-05-27t_:00,\n]\n"),
            ["t.toml:3: syntax: Error while parsing date-time: expected a 2-digit hour after 't', saw '_'"])
    }

    /// toml++ failed an assertion in `parse_value` when its type scan read a date-like value, a blank and a single
    /// digit, then stood on a value terminator ("a = 2000-00-0a 2\n" is the fuzzer's input): the date is not
    /// checked yet, and "_" or letters that mean nothing to the scan do not change the path.
    func testOneDigitAfterADateAndABlankIsASyntaxError() {
        let values = [
            "a = 2000-01-01 1\n", "a = [2000-01-01 1]\n", "a = 2000-00-0a 2\n:T`", "a = 9999-99-99 1 \n",
            "a = 2_000-01-01 1,\n", "a = { b = 2000-01-01 1}\n", "a = 2000-01-01 1#\n", "a = 2000-01-01 1\u{3000}x\n",
            "a = 1-e0-01-01 1\n", "a = 2000-01-01 1\r\n",
        ]
        for text in values {
            let problem = onlyProblem(text)
            XCTAssertEqual(problem?.key, "syntax", text.debugDescription)
            XCTAssertTrue(problem?.message.contains("expected a 2-digit hour after") ?? false, text.debugDescription)
        }
        XCTAssertEqual(
            descriptions("[global]\n\nlog_sessions = [\n  2000-01-01 7,\n]\n"),
            [
                "t.toml:4: syntax: Error while parsing date-time: expected a 2-digit hour after a date and a blank, "
                    + "saw '7' alone"
            ])
    }

    /// Values just past the date-time path's conditions, and keys and headers that look like dates, are errors
    /// toml++ reports itself: no date, nothing past "T" in the type scan (a terminator, 127 characters), "+"
    /// with "Z", a sign first, a blank instead of "T"; after a blank, the end of the text, two digits, no digit,
    /// more than one digit before a terminator, or a first part that is no date to the scan.
    func testNearDateTimesKeepTOMLMessages() {
        let texts = [
            "a = 2001-02-29T:\n", "a = 2000-13-01T:\n", "a = 2000-01-01T", "a = 2000-01-01T\t:\n",
            "a = 2000-01-01Tx\u{A0}:\n", "a = 2000-01-01Tx\u{2028}:\n", "a = 2000-01-01Tx\u{3000}:\n",
            "a = 2000-01-01T" + String(repeating: "x", count: 116) + ":\n",
            "a = 2000-01-01T" + String(repeating: "_", count: 116) + ":\n",
            "a = 2000-01-01T" + String(repeating: "\u{E9}", count: 116) + ":\n",
            "a = 2000-01-01T+Z:\n", "a = +2000-01-01T:\n", "a = 2000-01-01 T:\n", "2000-01-01t:\n",
            "[1979-05-27T:00]\n", "a = { 2000-01-01T: = 1 }\n", "a = 12000-01-01T:\n",
            "a = 2000-01-01 1", "a = 2000-01-01 12\n", "a = 2000-01-01 x\n", "a = 2000-01-01\t1\n",
            "a = 2000-01-01  1\n", "a = 2000+01-01 1\n", "a = 20e0-01-01 1\n", "a = 2000-01-011 1\n",
            "a = 2000-01-0 1\n", "a = 2000-01-01 1x\n", "a = 2000-01-01 1:\n", "a = 0b00-01-01 1\n",
            "a = 2000-01-0t 1\n", "a = +000-01-01 1\n", "a = 2000-01-01 \u{661}\n",
        ]
        for text in texts {
            let problem = onlyProblem(text)
            XCTAssertEqual(problem?.key, "syntax", text.debugDescription)
            XCTAssertFalse(problem?.message.contains("2-digit hour after") ?? true, text.debugDescription)
        }
    }

    /// toml++ stops at the first error, so one before the crash point is the one reported.
    func testEarlierSyntaxErrorComesFirst() {
        let texts = [
            "[global]\nlog_sessions = = true\n[#\n", "x = 1 2\nn = [}\n", "n = [1, 2 3, }\n",
            "x = 1 2\nd = 2000-01-01T:\n", "d = [1, 2 3, 2000-01-01T:]\n",
        ]
        for text in texts {
            let problem = onlyProblem(text)
            XCTAssertEqual(problem?.key, "syntax", text.debugDescription)
            XCTAssertFalse(problem?.message.contains("saw '#'") ?? true, problem?.message ?? "")
            XCTAssertFalse(problem?.message.contains("saw '}'") ?? true, problem?.message ?? "")
            XCTAssertFalse(problem?.message.contains("2-digit hour after") ?? true, problem?.message ?? "")
        }
    }

    /// Lines that start with "[" inside a multi-line array or string are values, not headers, and a "}" inside
    /// a string, a comment or an inline table is no array element.
    func testValidTextIsNotMistakenForACrash() {
        let nested = minimalServer + "\n" + minimalListener + "\nservers = [\n  [\"pg1\"],\n  [#\n  ],\n]\n"
        XCTAssertEqual(syntaxProblems(nested), [])
        let string = "[check]\ncommand = \"\"\"\n[#\n\"\"\"\n" + minimalServer + "\n" + minimalListener
        XCTAssertEqual(syntaxProblems(string), [])
        let braces = "x = [\"}\", '}', [{ a = 1 }], { b = [1] }, # }\n]\n" + minimalServer + "\n" + minimalListener
        XCTAssertEqual(syntaxProblems(braces), [])
        let dateTimes = """
            c = [2000-01-01 , 1, 2000-01-01 ]
            d = [1979-05-27T07:32:00Z, 1979-05-27 07:32:00, 1979-05-27t07:32:00.999-07:00, 1979-05-27T07:32:00+01:00,
                 1979-05-27, 07:32:00, 2000-02-29T00:00:00z] # 2000-01-01T:
            e = { 2000-01-01T = 1, "2000-01-01T:" = '2000-01-01T:' }
            2000-01-01T = "2000-01-01T:"
            s = \"""
            x = 2000-01-01T:
            \"""
            [2000-01-02T]

            """
        XCTAssertEqual(syntaxProblems(dateTimes + minimalServer + "\n" + minimalListener), [])
    }

    /// Headers toml++ reads itself keep its messages.
    func testOtherBadHeadersKeepTOMLMessages() {
        XCTAssertTrue(onlyProblem("[]\n")?.message.contains("blank bare keys") ?? false)
        XCTAssertTrue(onlyProblem("[")?.message.contains("end-of-file") ?? false)
    }

    /// The syntax problems of `text`, none when it loads or has only other problems.
    private func syntaxProblems(_ text: String) -> [ConfigProblem] {
        do {
            _ = try ConfigLoader.load(text: text, path: "t.toml")
            return []
        } catch let errors as ConfigErrors {
            return errors.problems.filter { $0.key == "syntax" }
        } catch {
            XCTFail("unexpected error \(error)")
            return []
        }
    }
}
