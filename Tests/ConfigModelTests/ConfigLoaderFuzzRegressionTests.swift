import ConfigModel
import XCTest

/// Inputs the config-load fuzzer (Fuzz/ConfigLoad) found, which used to abort the process.
final class ConfigLoaderFuzzRegressionTests: XCTestCase {
    /// toml++ 3.4.0, inside TOMLKit 0.6.0, failed an assertion (SIGABRT) on a table header whose name starts with
    /// neither a key character nor a quote; "[#" is the fuzzer's minimised input. Each is now one syntax error.
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

    /// toml++ stops at the first error, so one before the header is the one reported.
    func testEarlierSyntaxErrorComesFirst() {
        let problem = onlyProblem("[global]\nlog_sessions = = true\n[#\n")
        XCTAssertEqual(problem?.line, 2)
        XCTAssertEqual(problem?.key, "syntax")
        XCTAssertFalse(problem?.message.contains("table name") ?? true, problem?.message ?? "")
    }

    /// Lines that start with "[" inside a multi-line array or string are values, not headers.
    func testBracketLinesInsideValuesAreNotHeaders() {
        let nested = minimalServer + "\n" + minimalListener + "\nservers = [\n  [\"pg1\"],\n  [#\n  ],\n]\n"
        XCTAssertEqual(syntaxProblems(nested), [])
        let string = "[check]\ncommand = \"\"\"\n[#\n\"\"\"\n" + minimalServer + "\n" + minimalListener
        XCTAssertEqual(syntaxProblems(string), [])
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
