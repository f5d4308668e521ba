import Daemon
import Glibc
import LogWriter
import Logging
@testable import ProxyIO
import XCTest

/// The data plane formats its session lines itself; they must read exactly as the log handler wrote them before
/// (same keys, order, quoting and escaping), since the integration harness and operators' tools parse them.
final class SessionLineTests: XCTestCase {
    /// 2026-11-27T19:05:01.123Z
    private let time = timespec(tv_sec: 1_795_806_301, tv_nsec: 123_456_789)

    private let fields = SessionLine.Fields(
        listener: "pg_rw", server: "pg1", client: "[::1]:50432", waitMilliseconds: 0, connectMilliseconds: 2,
        totalMilliseconds: 1_234, bytesIn: 10, bytesOut: 18_446_744_073_709_551_615, end: "client-close")

    /// A name with a space, a client text with quotes and a backslash, phases never reached.
    private let odd = SessionLine.Fields(
        listener: "two words", server: "-", client: #"say "hi"\n"#, waitMilliseconds: -1, connectMilliseconds: -1,
        totalMilliseconds: 0, bytesIn: 0, bytesOut: 7, end: "queue-timeout")

    func testTextMatchesTheHandlersLine() {
        var line = SessionLine(format: .text)
        XCTAssertEqual(
            line.format(fields, time: time).text,
            "2026-11-27T19:05:01.123Z info session listener=pg_rw server=pg1 client=[::1]:50432 wait_ms=0 "
                + "connect_ms=2 total_ms=1234 bytes_in=10 bytes_out=18446744073709551615 end=client-close\n")
    }

    func testJSONMatchesTheHandlersLine() {
        var line = SessionLine(format: .json)
        XCTAssertEqual(
            line.format(fields, time: time).text,
            #"{"ts":"2026-11-27T19:05:01.123Z","level":"info","msg":"session","listener":"pg_rw","server":"pg1","#
                + #""client":"[::1]:50432","wait_ms":"0","connect_ms":"2","total_ms":"1234","bytes_in":"10","#
                + #""bytes_out":"18446744073709551615","end":"client-close"}"# + "\n")
    }

    /// Expected lines taken from the handler before this change (`fputs` of its `textLine`/`jsonLine`).
    func testOddValuesAreQuotedAndEscapedAsBefore() {
        var text = SessionLine(format: .text)
        XCTAssertEqual(
            text.format(odd, time: time).text,
            #"2026-11-27T19:05:01.123Z info session listener="two words" server=- client="say \"hi\"\\n" "#
                + "wait_ms=-1 connect_ms=-1 total_ms=0 bytes_in=0 bytes_out=7 end=queue-timeout\n")
        var json = SessionLine(format: .json)
        XCTAssertEqual(
            json.format(odd, time: time).text,
            #"{"ts":"2026-11-27T19:05:01.123Z","level":"info","msg":"session","listener":"two words","server":"-","#
                + #""client":"say \"hi\"\\n","wait_ms":"-1","connect_ms":"-1","total_ms":"0","bytes_in":"0","#
                + #""bytes_out":"7","end":"queue-timeout"}"# + "\n")
    }

    /// The same values through `StderrLogHandler` (as `logger.info("session", metadata:)` did) and through the
    /// data plane's formatter, odd names and never-reached phases included; only the clock differs.
    func testSameBytesAsTheHandlerForTheSameValues() throws {
        for format in LogFormat.allCases {
            for values in [fields, odd] {
                let pipe = try Pipe()
                let writer = LogWriter(fd: pipe.writeFD)
                let logger = Logger(label: "test") { _ in
                    StderrLogHandler(format: format, level: .info, writer: writer)
                }
                logger.info(
                    "session",
                    metadata: [
                        "listener": "\(values.listener)", "server": "\(values.server)", "client": "\(values.client)",
                        "wait_ms": "\(values.waitMilliseconds)", "connect_ms": "\(values.connectMilliseconds)",
                        "total_ms": "\(values.totalMilliseconds)", "bytes_in": "\(values.bytesIn)",
                        "bytes_out": "\(values.bytesOut)", "end": "\(values.end)",
                    ])
                XCTAssertTrue(writer.drain(timeout: .seconds(10)))
                let handlerLine = pipe.read { $0.last == 10 }.text
                var line = SessionLine(format: format)
                XCTAssertEqual(withoutTime(handlerLine), withoutTime(line.format(values).text), "\(format)")
            }
        }
    }

    func testNoSessionLineAboveInfo() {
        for level in Logger.Level.allCases {
            let output = SessionLogOutput(writer: LogWriter(fd: 2), format: .text, level: level)
            XCTAssertEqual(output.writesSessions, level <= .info, "\(level)")
        }
    }

    /// The line with its timestamp (text: the first word; JSON: the `ts` value) blanked.
    private func withoutTime(_ line: String) -> String {
        if line.hasPrefix(#"{"ts":""#) {
            return #"{"ts":"-""# + line.drop { $0 != "," }
        }
        return "-" + line.drop { $0 != " " }
    }
}
