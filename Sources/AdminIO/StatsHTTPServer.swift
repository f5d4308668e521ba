import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP stats endpoint (`[global] stats_bind`): the page, CSV, JSON, health and Prometheus metrics.
public final class StatsHTTPServer: Sendable {
    /// Connections served at once; more are closed at once.
    static let maxConnections = 128
    /// A client that sends nothing for this long is dropped, so idle sockets cannot pile up.
    static let idleTimeout = TimeAmount.seconds(10)

    private let channel: Channel

    private init(channel: Channel) {
        self.channel = channel
    }

    /// The address actually bound (useful when the configured port is 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    public static func start(
        host: String, port: Int, routes: StatsRoutes, eventLoop: EventLoop, logger: Logger
    ) -> EventLoopFuture<StatsHTTPServer> {
        let rejected = Counter(label: "pgfloat_http_requests_rejected_total")
        let limiter = ConnectionLimiter(limit: maxConnections)
        return ServerBootstrap(group: eventLoop)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard limiter.admit(channel) else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: idleTimeout), IdleCloser(),
                        StatsHTTPHandler(routes: routes, logger: logger, rejected: rejected),
                    ])
                }
            }
            .bind(host: host, port: port)
            .map { StatsHTTPServer(channel: $0) }
    }

    public func stop() -> EventLoopFuture<Void> {
        channel.close()
    }
}

/// Closes a connection its `IdleStateHandler` found idle.
final class IdleCloser: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
