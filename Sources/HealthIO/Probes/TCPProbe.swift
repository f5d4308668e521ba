import HealthCore
import NIOCore
import NIOPosix

/// `type = "tcp"`: the server is reachable when a TCP connection to it opens. The connection is closed at once.
final class TCPProbe: HealthProbe {
    private let target: ProbeTarget

    init(_ target: ProbeTarget) {
        self.target = target
    }

    func check() -> EventLoopFuture<CheckOutcome> {
        let start = NIODeadline.now()
        // The connect timeout covers name resolution and every address tried (Happy Eyeballs).
        return ClientBootstrap(group: target.eventLoop)
            .connectTimeout(target.timeout.timeAmount)
            .connect(host: target.host, port: target.port)
            .map { channel in
                // The connect is the answer; a server that resets the connection right after it is still up.
                channel.close(promise: nil)
                return CheckOutcome(reachable: true)
            }
            .recover { CheckOutcome.failed(ProbeFailure.describe($0)) }
            .map { $0.measured(from: start) }
    }

    func shutdown() -> EventLoopFuture<Void> {
        target.eventLoop.makeSucceededVoidFuture()
    }
}
