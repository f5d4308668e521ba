import NIOCore
import NIOPosix

/// One short TCP conversation: connect, optionally send a request, collect a short reply, close.
///
/// Contract: the returned future completes exactly once, with the reply or an error, no later than `timeout` after
/// the call; the connection is closed whatever the outcome. NIO ignores later completions of a promise, so the
/// first of reply, error or deadline wins and the others are dropped.
enum ShortExchange {
    /// What ends the reply besides the peer closing the connection.
    struct ReplyEnd {
        /// Bytes after which the reply is complete.
        var limit: Int
        /// Whether a newline completes the reply (a line protocol).
        var atNewline: Bool
    }

    static func run(
        host: String, port: Int, request: ByteBuffer?, replyEnd: ReplyEnd, timeout: Duration, on eventLoop: EventLoop
    ) -> EventLoopFuture<ByteBuffer> {
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        let deadline = eventLoop.scheduleTask(in: timeout.timeAmount) {
            promise.fail(ProbeFailure.timedOut(after: timeout))
        }
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout.timeAmount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReplyCollector(end: replyEnd, promise: promise))
                }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    promise.fail(error)
                case .success(let channel):
                    // Also runs at once when the deadline already passed while connecting.
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                    if let request { channel.writeAndFlush(request, promise: nil) }
                }
            }
        return promise.futureResult
    }
}

/// Gathers the reply of a ``ShortExchange`` until its end, the peer's close, or an error.
private final class ReplyCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let end: ShortExchange.ReplyEnd
    private let promise: EventLoopPromise<ByteBuffer>
    private var reply = ByteBuffer()

    init(end: ShortExchange.ReplyEnd, promise: EventLoopPromise<ByteBuffer>) {
        self.end = end
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if let slice = bytes.readSlice(length: min(bytes.readableBytes, end.limit - reply.readableBytes)) {
            reply.writeImmutableBuffer(slice)
        }
        if reply.readableBytes >= end.limit || (end.atNewline && reply.readableBytesView.contains(UInt8(ascii: "\n")))
        {
            promise.succeed(reply)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(reply)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
