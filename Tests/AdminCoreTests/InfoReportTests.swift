import AdminCore
import XCTest

final class InfoReportTests: XCTestCase {
    func testKeysAndValues() {
        let text = InfoReport.render(Fixtures.snapshot)
        XCTAssertEqual(text, """
            Name: pgfloat
            Version: 0.3.0
            Pid: 4242
            Node: lb-a
            Uptime: 0d 0h01m02s
            Uptime_sec: 62
            Maxconn: 1000
            CurrConns: 3
            CumConns: 120
            Queued: 1
            CancelsForwarded: 7
            CancelsForwarded_broadcast: 2
            CancelsForwarded_owner: 5
            CancelsDropped: 1
            CancelsDropped_connect-timeout: 0
            CancelsDropped_rate-limited: 1
            DirectTLSSessions: 6
            Relay: sockmap
            KernelSessions: 2
            KernelHandoffs: 40
            KernelFallbacks: 1
            KernelTakeovers: 5
            KernelRedirectedBytes: 9000
            AcceptErrors: 0
            LocalErrors: 2
            LocalErrors_socket:EMFILE: 2
            BadStartups: 7
            BadStartups_bad-code: 5
            BadStartups_bad-length: 2
            Primary: pg1
            SplitBrain: 0
            SplitBrainEvents: 3
            NewestTimeline: -
            PrimaryClaimants: 0
            LogLinesDropped: 12
            ReloadFailures: 2

            """)
    }

    func testRelayFallbackShowsItsReasonOnlyWhenThereIsOne() throws {
        XCTAssertFalse(InfoReport.render(Fixtures.snapshot).contains("RelayFallback"), "sockmap runs: no line")
        var snapshot = Fixtures.snapshot
        snapshot.process.relay = "epoll"
        snapshot.process.relayFallbackReason = "sockmap program: Operation not permitted\nRelay: sockmap"
        snapshot.process.kernelSessions = 0
        let lines = InfoReport.render(snapshot).split(separator: "\n")
        let relay = try XCTUnwrap(lines.firstIndex(of: "Relay: epoll"))
        XCTAssertEqual(lines[relay + 1], "RelayFallback: sockmap program: Operation not permitted?Relay: sockmap")
        XCTAssertEqual(lines[relay + 2], "KernelSessions: 0")
        XCTAssertFalse(lines.contains("Relay: sockmap"), "a reason cannot forge a line")
    }

    func testDefaultsAreTheEpollRelayWithNoKernelSessions() {
        let process = ProcessStats(version: "1", pid: 1, node: "n", uptimeSeconds: 0)
        let lines = InfoReport.render(StatsSnapshot(process: process)).split(separator: "\n")
        for line in ["Relay: epoll", "KernelSessions: 0", "KernelHandoffs: 0", "KernelFallbacks: 0"] {
            XCTAssertTrue(lines.contains(Substring(line)), line)
        }
        XCTAssertTrue(lines.contains("KernelTakeovers: 0"))
        XCTAssertFalse(lines.contains { $0.hasPrefix("RelayFallback") })
    }

    func testSplitBrainNoPrimaryAndHostileValues() {
        var snapshot = Fixtures.snapshot
        snapshot.process.splitBrain = true
        snapshot.process.primary = nil
        snapshot.process.uptimeSeconds = 2 * 86_400 + 3 * 3_600 + 4 * 60 + 5
        snapshot.process.node = "evil\nSplitBrain: 0"
        snapshot.process.badStartups = ["two words": 1]
        let lines = InfoReport.render(snapshot).split(separator: "\n")
        XCTAssertTrue(lines.contains("Uptime: 2d 3h04m05s"))
        XCTAssertTrue(lines.contains("Primary: -"))
        XCTAssertTrue(lines.contains("SplitBrain: 1"))
        XCTAssertTrue(lines.contains("Node: evil?SplitBrain: 0"))
        XCTAssertTrue(lines.contains("BadStartups_two_words: 1"))
        XCTAssertFalse(lines.contains("SplitBrain: 0"))
    }
}
