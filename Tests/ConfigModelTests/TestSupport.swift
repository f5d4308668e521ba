import ConfigModel
import XCTest

/// The smallest valid file: one server and one listener, so error tests add only the broken part.
let minimalServer = """
    [[server]]
    name = "pg1"
    address = "10.0.0.11:5432"
    """

let minimalListener = """
    [[listener]]
    name = "main"
    bind = "0.0.0.0:5432"
    """

/// The problems `load` throws for `text`, failing the test when it loads without any.
func problems(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [ConfigProblem] {
    do {
        let config = try ConfigLoader.load(text: text, path: "t.toml")
        XCTFail("expected problems, loaded \(config)", file: file, line: line)
        return []
    } catch let errors as ConfigErrors {
        return errors.problems
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
        return []
    }
}

/// The `FILE:LINE: key: message` lines `load` throws for `text`.
func descriptions(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
    problems(text, file: file, line: line).map(\.description)
}

/// The single problem `load` throws for `text`, as `(line, key)`, with its message for substring checks.
func onlyProblem(
    _ text: String, file: StaticString = #filePath, line: UInt = #line
) -> (line: Int, key: String, message: String)? {
    let found = problems(text, file: file, line: line)
    guard found.count == 1, let problem = found.first else {
        XCTFail("expected one problem, got \(found.map(\.description))", file: file, line: line)
        return nil
    }
    return (problem.line, problem.key, problem.message)
}
