import HealthCore
import NIOCore
import NIOPosix

/// `type = "tcp"`: the server is reachable when a TCP connection to it opens. The connection is closed at once.
final class TCPProbe: HealthProbe {
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
        // The connect timeout covers name resolution and every address tried (Happy Eyeballs).
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout.timeAmount)
            .connect(host: host, port: port)
            .map { channel in
                // The connect is the answer; a server that resets the connection right after it is still up.
                channel.close(promise: nil)
                return CheckOutcome(reachable: true)
            }
            .recover { CheckOutcome.failed(ProbeFailure.describe($0)) }
            .map { $0.measured(from: start) }
    }

    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.makeSucceededVoidFuture()
    }
}
