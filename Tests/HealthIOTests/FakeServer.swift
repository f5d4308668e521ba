import Foundation
import NIOCore
import NIOPosix

/// A loopback TCP server for probe tests: waits for `expecting` bytes of request (none for a server that speaks
/// first), answers `reply`, and closes. Records what it received.
final class FakeServer {
    let channel: Channel
    private let received: ReceivedBytes

    var port: Int { channel.localAddress!.port! }
    /// Every byte clients sent, across connections.
    var receivedBytes: [UInt8] { received.value }

    init(group: EventLoopGroup, expecting requestLength: Int, reply: [UInt8]) throws {
        let received = ReceivedBytes()
        self.received = received
        channel = try ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        AnsweringHandler(expecting: requestLength, reply: reply, received: received))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .wait()
    }

    func stop() throws {
        try channel.close().wait()
    }
}

/// Written on the server's event loop, read by the test thread.
private final class ReceivedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    var value: [UInt8] { lock.withLock { bytes } }

    func append(_ more: [UInt8]) { lock.withLock { bytes += more } }
}

private final class AnsweringHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let expecting: Int
    private let reply: [UInt8]
    private let received: ReceivedBytes
    private var count = 0

    init(expecting: Int, reply: [UInt8], received: ReceivedBytes) {
        self.expecting = expecting
        self.reply = reply
        self.received = received
    }

    func channelActive(context: ChannelHandlerContext) {
        if expecting == 0 { answer(context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        received.append(bytes)
        let before = count
        count += bytes.count
        if before < expecting, count >= expecting { answer(context) }
    }

    private func answer(_ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply))).whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
