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

    /// toml++ stops at the first error, so one before the crash point is the one reported.
    func testEarlierSyntaxErrorComesFirst() {
        for text in ["[global]\nlog_sessions = = true\n[#\n", "x = 1 2\nn = [}\n", "n = [1, 2 3, }\n"] {
            let problem = onlyProblem(text)
            XCTAssertEqual(problem?.key, "syntax", text.debugDescription)
            XCTAssertFalse(problem?.message.contains("saw '#'") ?? true, problem?.message ?? "")
            XCTAssertFalse(problem?.message.contains("saw '}'") ?? true, problem?.message ?? "")
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
