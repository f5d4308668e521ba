import HealthCore
import NIOCore

/// `type = "pg-hello"`: the server is a live PostgreSQL when it answers an SSLRequest with 'S' or 'N'.
///
/// Needs no user or password: every PostgreSQL answers the SSLRequest with one byte before authentication, even
/// one that is still starting up or refusing logins, which is why this check says "listening", not "usable".
final class PGHelloProbe: HealthProbe {
    /// SSLRequest: length 8, then request code 80877103 (1234 << 16 | 5679), both big-endian.
    static let sslRequest: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x2F]

    private let target: ProbeTarget

    init(_ target: ProbeTarget) {
        self.target = target
    }

    func check() -> EventLoopFuture<CheckOutcome> {
        let start = NIODeadline.now()
        return ShortExchange.run(
            host: target.host, port: target.port, request: ByteBuffer(bytes: Self.sslRequest),
            replyEnd: .init(limit: 1, atNewline: false), timeout: target.timeout, on: target.eventLoop
        )
        .map { Self.outcome(reply: Array($0.readableBytesView)) }
        .recover { CheckOutcome.failed(ProbeFailure.describe($0)) }
        .map { $0.measured(from: start) }
    }

    /// The verdict on the server's answer to the SSLRequest.
    static func outcome(reply: [UInt8]) -> CheckOutcome {
        switch reply.first {
        case UInt8(ascii: "S"), UInt8(ascii: "N"):
            return CheckOutcome(reachable: true)
        case nil:
            return .failed("connection closed without an answer to SSLRequest")
        case let byte?:
            return .failed("not a PostgreSQL answer to SSLRequest: 0x\(String(byte, radix: 16, uppercase: true))")
        }
    }

    func shutdown() -> EventLoopFuture<Void> {
        target.eventLoop.makeSucceededVoidFuture()
    }
}
