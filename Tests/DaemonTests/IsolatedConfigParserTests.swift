import ConfigModel
import Foundation
import Glibc
import XCTest

@testable import Daemon

/// The parser's child process: crashes, hangs and silence are failures that return no configuration; answers
/// from the real `pgfloat parse-config` match the in-process loader exactly.
final class IsolatedConfigParserTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pgfloat-parser-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: folder)
    }

    /// An `sh` script standing in for the child.
    private func fakeChild(_ body: String, timeout: Duration = .seconds(5)) throws -> IsolatedConfigParser {
        let path = folder.appendingPathComponent("child-\(UUID()).sh").path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return IsolatedConfigParser(executable: path, timeout: timeout, environment: [:])
    }

    /// The `pgfloat` executable SwiftPM built next to this test bundle.
    private func realChild(environment: [String: String] = [:]) throws -> IsolatedConfigParser {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let path = bundle.appendingPathComponent("pgfloat").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("no pgfloat executable at \(path); build the product first")
        }
        return IsolatedConfigParser(executable: path, timeout: .seconds(20), environment: environment)
    }

    /// The failure `load` throws, failing the test when it returns a configuration or throws something else.
    private func failure(
        _ parser: IsolatedConfigParser, _ text: String = minimalConfig, file: StaticString = #filePath,
        line: UInt = #line
    ) -> ConfigParserFailure? {
        do {
            let config = try parser.load(text: text, path: "p.toml")
            XCTFail("expected a parser failure, loaded \(config)", file: file, line: line)
        } catch let failure as ConfigParserFailure {
            return failure
        } catch {
            XCTFail("expected a parser failure, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testChildKilledByAbortIsACrashWithItsSignalAndLastWords() throws {
        let parser = try fakeChild(
            """
            cat >/dev/null
            echo "toml.hpp:15481: parse_key: Assertion \\`is_bare_key_character(*cp)' failed." >&2
            kill -ABRT $$
            """)
        let found = try XCTUnwrap(failure(parser))
        XCTAssertEqual(found.reason, .signaled(SIGABRT))
        XCTAssertEqual(found.summary, "the configuration parser crashed")
        XCTAssertEqual(found.metadata["signal"], "6 (Aborted)")
        XCTAssertEqual(found.detail, "toml.hpp:15481: parse_key: Assertion `is_bare_key_character(*cp)' failed.")
        XCTAssertEqual(
            found.problem.description,
            "p.toml:0: -: the configuration parser crashed (signal 6, Aborted): toml.hpp:15481: parse_key: "
                + "Assertion `is_bare_key_character(*cp)' failed.")
    }

    func testChildKilledBySegfaultBeforeReadingIsACrash() throws {
        // It dies without reading stdin: sending the rest must neither block nor raise SIGPIPE in this process.
        let parser = try fakeChild("kill -SEGV $$")
        let text = minimalConfig + String(repeating: "# padding\n", count: 200_000)
        XCTAssertEqual(failure(parser, text)?.reason, .signaled(SIGSEGV))
    }

    func testChildThatHangsIsKilledAtTheTimeout() throws {
        // It never reads: 2 MB of input cannot all be sent, and the wait must still end at the timeout.
        let parser = try fakeChild("sleep 30", timeout: .milliseconds(300))
        let text = minimalConfig + String(repeating: "# padding\n", count: 200_000)
        let started = ContinuousClock.now
        let found = failure(parser, text)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(3))
        XCTAssertEqual(found?.reason, .timedOut(.milliseconds(300)))
        XCTAssertEqual(found?.summary, "the configuration parser did not answer within 0.3 seconds, killed")
    }

    func testChildThatExitsWithoutAnAnswerIsACrash() throws {
        XCTAssertEqual(failure(try fakeChild("cat >/dev/null; exit 3"))?.reason, .noAnswer(status: 3))
        XCTAssertEqual(failure(try fakeChild("cat >/dev/null; echo ok"))?.reason, .noAnswer(status: 0))
        let found = failure(try fakeChild("cat >/dev/null; exit 3"))
        XCTAssertEqual(found?.summary, "the configuration parser crashed")
        XCTAssertEqual(found?.metadata["status"], "3")
    }

    func testMissingExecutableIsNotStarted() throws {
        let parser = IsolatedConfigParser(
            executable: folder.appendingPathComponent("missing").path, timeout: .seconds(5), environment: [:])
        guard case .notStarted(let why)? = failure(parser)?.reason else { return XCTFail("expected notStarted") }
        XCTAssertTrue(why.contains("No such file"), why)
    }

    func testCheckReportsACrashAsAProblemOfTheFile() throws {
        let path = folder.appendingPathComponent("pgfloat.toml").path
        try minimalConfig.write(toFile: path, atomically: true, encoding: .utf8)
        let problems = ConfigFile.check(path: path, parser: try fakeChild("kill -ABRT $$"))
        XCTAssertEqual(
            problems.map(\.description), ["\(path):0: -: the configuration parser crashed (signal 6, Aborted)"])
    }

    func testChildGetsTheTextOnStdinAndTheFileNameAsArgument() throws {
        // A child that answers what the real one would, from what it was given.
        let parser = try fakeChild(
            """
            [ "$1 $2" = "parse-config --path" ] || exit 9
            text=$(cat)
            printf '{"problems":[{"file":"%s","line":%d,"key":"k","message":"%s"}]}' "$3" ${#text} "$SWIFT_BACKTRACE"
            """)
        XCTAssertThrowsError(try parser.load(text: "abc", path: "p.toml")) { error in
            XCTAssertEqual(
                (error as? ConfigErrors)?.problems,
                [ConfigProblem(file: "p.toml", line: 3, key: "k", message: "enable=no")])
        }
    }

    func testRealChildReturnsExactlyWhatTheLoaderReturns() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../etc/pgfloat.toml").standardized.path
        let text = try String(contentsOfFile: example, encoding: .utf8)
        let isolated = try realChild().load(text: text, path: "/etc/pgfloat/pgfloat.toml")
        XCTAssertEqual(isolated, try ConfigLoader.load(text: text, path: "/etc/pgfloat/pgfloat.toml"))
    }

    func testRealChildReportsProblemsWithTheirLines() throws {
        let text = minimalConfig + "\n[defaults]\ntimeout_connect = \"soon\"\nretries = -1\nbogus = 1\n"
        var inProcess: [ConfigProblem] = []
        XCTAssertThrowsError(try ConfigLoader.load(text: text, path: "p.toml")) { error in
            inProcess = (error as? ConfigErrors)?.problems ?? []
        }
        XCTAssertGreaterThanOrEqual(inProcess.count, 3)
        XCTAssertThrowsError(try realChild().load(text: text, path: "p.toml")) { error in
            XCTAssertEqual((error as? ConfigErrors)?.problems, inProcess)
        }
        // A syntax error, the first thing toml++ itself reports.
        XCTAssertThrowsError(try realChild().load(text: "[global\n", path: "p.toml")) { error in
            XCTAssertEqual((error as? ConfigErrors)?.problems.map(\.line), [1])
        }
    }

    func testRealChildReportsScreenedTomlAssertionsAsSyntaxErrors() throws {
        // Inputs that failed toml++'s parse_time and type-scan assertions (Fuzz/ConfigLoad) before TOMLCrashGuard
        // screened them: a syntax error on their line from the real child, not a crash. No input is known that
        // crashes it now; testRealChildFailsOnlyWhenAFaultHookMatchesTheText covers a crash with the abort hook.
        for value in ["2000-01-01T:", "2000-01-01 1"] {
            let text = "[global]\nlog_sessions = \(value)\n" + minimalConfig
            XCTAssertThrowsError(try realChild().load(text: text, path: "p.toml"), value) { error in
                XCTAssertEqual((error as? ConfigErrors)?.problems.map(\.line), [2], "\(error)")
                XCTAssertEqual((error as? ConfigErrors)?.problems.map(\.key), ["syntax"], "\(error)")
            }
        }
    }

    func testRealChildFailsOnlyWhenAFaultHookMatchesTheText() throws {
        let parser = try realChild(environment: [
            ConfigParserChild.Fault.abort.variable: "# crash-the-parser",
            ConfigParserChild.Fault.hang.variable: "# hang-the-parser",
        ])
        XCTAssertNoThrow(try parser.load(text: minimalConfig, path: "p.toml"))
        XCTAssertEqual(failure(parser, minimalConfig + "# crash-the-parser\n")?.reason, .signaled(SIGABRT))
        let hanging = IsolatedConfigParser(
            executable: parser.executable, timeout: .milliseconds(500), environment: parser.environment)
        XCTAssertEqual(failure(hanging, minimalConfig + "# hang-the-parser\n")?.reason, .timedOut(.milliseconds(500)))
    }
}

/// One server and one listener: the smallest valid file.
private let minimalConfig = """
    [[server]]
    name = "pg1"
    address = "127.0.0.1:5432"

    [[listener]]
    name = "main"
    bind = "127.0.0.1:6432"
    servers = ["pg1"]

    """
