import Logging
import Metrics
import NIOCore
import NIOHTTP1

/// One HTTP connection of the stats endpoint: reads a request (body capped), asks `StatsRoutes` for the
/// answer, writes it and closes.
///
/// Closing after each answer keeps the handler free of keep-alive state; scrapers and browsers reconnect cheaply.
final class StatsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// `POST /admin` bodies are runtime API lines; nothing else needs more.
    static let maxBodyBytes = 64 * 1024

    private let routes: StatsRoutes
    private let logger: Logger
    private let rejected: Counter
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var tooLarge = false
    private var answered = false

    init(routes: StatsRoutes, logger: Logger, rejected: Counter) {
        self.routes = routes
        self.logger = logger
        self.rejected = rejected
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = context.channel.allocator.buffer(capacity: 0)
        case .body(var chunk):
            guard !tooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > Self.maxBodyBytes {
                tooLarge = true
            } else {
                body?.writeBuffer(&chunk)
            }
        case .end:
            guard let head, !answered else { return }
            answered = true
            if tooLarge {
                rejected.increment()
                respond(StatsResponse(status: .payloadTooLarge, text: "request body too large\n"), context: context)
                return
            }
            let text = body.flatMap { $0.getString(at: $0.readerIndex, length: $0.readableBytes) } ?? ""
            let request = StatsRequest(
                method: head.method, uri: head.uri, authorization: head.headers.first(name: "authorization"),
                body: text)
            routes.answer(request).whenComplete { result in
                switch result {
                case .success(let response):
                    if response.status.code >= 400 { self.rejected.increment() }
                    self.respond(response, context: context)
                case .failure(let error):
                    self.logger.warning("stats request failed", metadata: ["uri": "\(head.uri)", "error": "\(error)"])
                    self.respond(
                        StatsResponse(status: .serviceUnavailable, text: "\(error)\n"), context: context)
                }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        rejected.increment()
        logger.info("bad stats request", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func respond(_ response: StatsResponse, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.utf8.count)")
        headers.add(name: "Cache-Control", value: "no-cache")
        headers.add(name: "Connection", value: "close")
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.utf8.count)
        buffer.writeString(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
