import HealthCore
import NIOCore

/// `type = "agent"`: connects to the agent port and reads one line, as HAProxy's agent-check does (the agent speaks
/// first and may close right after its line).
final class AgentProbe: HealthProbe {
    /// HAProxy reads at most this much of an agent's answer.
    static let maxReply = 256

    private let target: ProbeTarget

    init(_ target: ProbeTarget) {
        self.target = target
    }

    func check() -> EventLoopFuture<CheckOutcome> {
        let start = NIODeadline.now()
        return ShortExchange.run(
            host: target.host, port: target.port, request: nil, replyEnd: .init(limit: Self.maxReply, atNewline: true),
            timeout: target.timeout, on: target.eventLoop
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
        target.eventLoop.makeSucceededVoidFuture()
    }
}
