import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback HTTP server standing in for Patroni's REST API: answers `GET /patroni` with `body`, or never
/// answers when `silent`. Records the requests' Authorization headers and counts accepted connections.
final class FakePatroni {
    let channel: Channel
    private let log: RequestLog

    var port: Int { channel.localAddress!.port! }
    var authorizations: [String?] { log.snapshot.authorizations }
    var connections: Int { log.snapshot.connections }

    init(group: EventLoopGroup, body: String, silent: Bool = false) throws {
        let log = RequestLog()
        self.log = log
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                log.connected()
                return child.pipeline.configureHTTPServerPipeline().flatMap {
                    child.pipeline.addHandler(PatroniHandler(body: body, silent: silent, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .wait()
    }

    func stop() throws {
        try channel.close().wait()
    }
}

private final class RequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var authorizations: [String?] = []
    private var connections = 0

    var snapshot: (authorizations: [String?], connections: Int) { lock.withLock { (authorizations, connections) } }

    func connected() { lock.withLock { connections += 1 } }

    func request(authorization: String?) { lock.withLock { authorizations.append(authorization) } }
}

private final class PatroniHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let body: String
    private let silent: Bool
    private let log: RequestLog

    init(body: String, silent: Bool, log: RequestLog) {
        self.body = body
        self.silent = silent
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        log.request(authorization: head.headers.first(name: "Authorization"))
        if silent { return }
        let status: HTTPResponseStatus = head.uri == "/patroni" ? .ok : .notFound
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
