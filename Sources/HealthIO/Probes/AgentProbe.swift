import HealthCore
import NIOCore

/// `type = "agent"`: connects to the agent port and reads one line, as HAProxy's agent-check does (the agent speaks
/// first and may close right after its line).
final class AgentProbe: HealthProbe {
    /// HAProxy reads at most this much of an agent's answer.
    static let maxReply = 256

    private let host: String
    private let port: Int
    private let timeout: Duration
    private let eventLoop: EventLoop

    init(host: String, port: Int, timeout: Duration, eventLoop: EventLoop) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.eventLoop = eventLoop
    }

    func check() -> EventLoopFuture<CheckOutcome> {
        let start = NIODeadline.now()
        return ShortExchange.run(
            host: host, port: port, request: nil, replyEnd: .init(limit: Self.maxReply, atNewline: true),
            timeout: timeout, on: eventLoop
        )
        .map { Self.outcome(reply: String(decoding: $0.readableBytesView, as: UTF8.self)) }
        .recover { CheckOutcome.failed(ProbeFailure.describe($0)) }
        .map { $0.measured(from: start) }
    }

    /// The verdict on the agent's answer.
    static func outcome(reply: String) -> CheckOutcome {
        guard let parsed = AgentReply(line: reply) else {
            let line = reply.prefix { !$0.isNewline }
            return .failed(line.isEmpty ? "agent sent an empty answer" : "agent answer has no known word: \(line)")
        }
        return parsed.outcome
    }

    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.makeSucceededVoidFuture()
    }
}
