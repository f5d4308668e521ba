import ConfigModel
import ImportCore
import XCTest

/// Garbage never crashes the importer, and whatever it writes is TOML that pgfloat's loader can read: at worst
/// the loader reports problems, never a syntax error.
final class RobustnessTests: XCTestCase {
    /// A small deterministic generator (SplitMix64), so a failure is reproducible.
    private struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private func check(haproxy: String, keepalived: String, file: StaticString = #filePath, line: UInt = #line) {
        let result = ConfigImporter.translate(
            haproxy: ImportSource(path: "h.cfg", text: haproxy),
            keepalived: ImportSource(path: "k.conf", text: keepalived))
        do {
            _ = try ConfigLoader.load(text: result.toml, path: "out.toml")
        } catch let errors as ConfigErrors {
            let syntax = errors.problems.filter { $0.key == "syntax" }
            XCTAssertEqual(
                syntax.map(\.description), [], "the importer wrote broken TOML:\n\(result.toml)", file: file, line: line
            )
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        for diagnostic in result.diagnostics {
            XCTAssertGreaterThan(diagnostic.line, 0, "\(diagnostic)", file: file, line: line)
        }
    }

    func testRandomBytes() {
        var random = SplitMix(state: 1)
        for _ in 0..<300 {
            let count = Int.random(in: 0..<400, using: &random)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            let text = String(decoding: bytes, as: UTF8.self)
            check(haproxy: text, keepalived: text)
        }
    }

    /// Words of both grammars shuffled into lines: deeper paths than random bytes reach.
    func testWordSoup() throws {
        let fixtures = try [
            "patroni-haproxy.cfg", "pg_auto_failover-haproxy.cfg", "external-check-haproxy.cfg",
            "tuning-haproxy.cfg", "keepalived.conf",
        ].map(Fixture.text)
        var words = fixtures.joined(separator: " ").split(whereSeparator: \.isWhitespace).map(String.init)
        words += [
            "{", "}", "\"", "'", "\\", "#", "!", ":", "::", "*:0", "65536", "-1", "0", "\u{0}", "é", "[::1]:5432",
        ]
        var random = SplitMix(state: 2)
        for _ in 0..<300 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1..<40, using: &random) {
                let count = Int.random(in: 0..<6, using: &random)
                lines.append((0..<count).map { _ in words.randomElement(using: &random)! }.joined(separator: " "))
            }
            let text = lines.joined(separator: "\n")
            check(haproxy: text, keepalived: text)
        }
    }

    /// The design document's files with lines dropped, duplicated and cut short.
    func testMutatedFixtures() throws {
        let haproxy = try Fixture.text("patroni-haproxy.cfg").split(separator: "\n", omittingEmptySubsequences: false)
        let keepalived = try Fixture.text("keepalived.conf").split(separator: "\n", omittingEmptySubsequences: false)
        var random = SplitMix(state: 3)
        func mutate(_ lines: [Substring]) -> String {
            var result: [Substring] = []
            for line in lines {
                switch Int.random(in: 0..<10, using: &random) {
                case 0: continue
                case 1: result += [line, line]
                case 2: result.append(line.prefix(Int.random(in: 0...line.count, using: &random)))
                default: result.append(line)
                }
            }
            return result.joined(separator: "\n")
        }
        for _ in 0..<300 {
            check(haproxy: mutate(haproxy), keepalived: mutate(keepalived))
        }
    }

    func testHostileValuesAreEscaped() {
        check(
            haproxy: "listen \"a\\\"b\"\n bind :1\n server \"x\ty\" h:1 check\n stats socket \"/tmp/a\\\"b\"\n",
            keepalived:
                "vrrp_instance V {\n interface \"e\\th\"\n virtual_router_id 1\n virtual_ipaddress { 10.0.0.1 }\n"
                + " notify \"/bin/echo \\\"\u{7}\"\n}\n")
    }
}
