import HealthCore
import XCTest

@testable import HealthIO

final class AgentReplyTests: XCTestCase {
    func testSingleWords() {
        XCTAssertEqual(AgentReply(line: "up\n"), AgentReply(directive: .ready))
        XCTAssertEqual(AgentReply(line: "ready"), AgentReply(directive: .ready))
        XCTAssertEqual(AgentReply(line: "drain\r\n"), AgentReply(directive: .drain))
        XCTAssertEqual(AgentReply(line: "maint"), AgentReply(directive: .maintenance))
        XCTAssertEqual(AgentReply(line: "75%"), AgentReply(directive: .weightPercent(75)))
        for word in ["down", "fail", "stopped"] {
            XCTAssertEqual(AgentReply(line: word), AgentReply(down: true), word)
        }
    }

    func testWordsCombine() {
        XCTAssertEqual(AgentReply(line: "up 50%"), AgentReply(directive: .weightPercent(50)))
        XCTAssertEqual(AgentReply(line: "ready,drain"), AgentReply(directive: .drain))
        XCTAssertEqual(AgentReply(line: "drain maint 10%"), AgentReply(directive: .maintenance))
        XCTAssertEqual(AgentReply(line: "down maint"), AgentReply(down: true, directive: .maintenance))
    }

    func testCaseSeparatorsAndUnknownWords() {
        XCTAssertEqual(AgentReply(line: "  UP,\t80%  hello "), AgentReply(directive: .weightPercent(80)))
        XCTAssertEqual(AgentReply(line: "Drain"), AgentReply(directive: .drain))
    }

    func testWeightBounds() {
        XCTAssertEqual(AgentReply(line: "0%"), AgentReply(directive: .weightPercent(0)))
        XCTAssertEqual(AgentReply(line: "256%"), AgentReply(directive: .weightPercent(256)))
        XCTAssertEqual(AgentReply(line: "up 257%"), AgentReply(directive: .ready))
        XCTAssertEqual(AgentReply(line: "up -5%"), AgentReply(directive: .ready))
        XCTAssertEqual(AgentReply(line: "up %"), AgentReply(directive: .ready))
    }

    func testReasonAfterHash() {
        XCTAssertEqual(AgentReply(line: "down # disk  full\n"), AgentReply(down: true, reason: "disk full"))
        XCTAssertEqual(AgentReply(line: "fail#"), AgentReply(down: true))
    }

    func testOnlyTheFirstLineCounts() {
        XCTAssertEqual(AgentReply(line: "drain\nmaint\n"), AgentReply(directive: .drain))
    }

    func testAnswersWithoutAKnownWordAreNotAReply() {
        XCTAssertNil(AgentReply(line: ""))
        XCTAssertNil(AgentReply(line: "\n"))
        XCTAssertNil(AgentReply(line: " , \t"))
        XCTAssertNil(AgentReply(line: "SSH-2.0-OpenSSH_9.2p1\r\n"))
        XCTAssertNil(AgentReply(line: "# only a comment"))
    }

    func testOutcomes() {
        XCTAssertEqual(AgentProbe.outcome(reply: "up 75%\n"), CheckOutcome(reachable: true, agent: .weightPercent(75)))
        XCTAssertEqual(AgentProbe.outcome(reply: "drain"), CheckOutcome(reachable: true, agent: .drain))
        XCTAssertEqual(AgentProbe.outcome(reply: "hello\n"), .failed("agent answer has no known word: hello"))
        XCTAssertEqual(
            AgentProbe.outcome(reply: "stopped # backup running"),
            CheckOutcome(reachable: false, error: "agent reports down: backup running"))
        XCTAssertEqual(AgentProbe.outcome(reply: ""), .failed("agent sent an empty answer"))
    }
}
