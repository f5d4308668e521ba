import DCSCore
import HealthIO
import NIOCore
import NIOHTTP1

/// Reads one watch response as it streams: cuts it into lines, decodes each, and hands the messages on.
///
/// Contract: installed after the HTTP/1.1 client codec on the watch's own connection (``WatchConnection``).
/// `onFailure` is called at most once, with the first reason the stream cannot go on (an HTTP error, a malformed
/// line, the end of the response, a connection error or close); nothing is delivered after it, nor after `close`.
final class WatchStream: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    /// Called on the event loop for each message, and once with the reason the stream cannot go on.
    private let onMessage: (EtcdGateway.WatchMessage) -> Void
    private let onFailure: (String) -> Void
    private var splitter = LineSplitter()
    private var failed = false

    init(onMessage: @escaping (EtcdGateway.WatchMessage) -> Void, onFailure: @escaping (String) -> Void) {
        self.onMessage = onMessage
        self.onFailure = onFailure
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status != .ok { fail("watch answered HTTP \(head.status.code)", context) }
        case .body(let buffer):
            do {
                for line in try splitter.feed(buffer.readableBytesView) {
                    onMessage(try EtcdGateway.watchMessage(line))
                    if failed { break }
                }
            } catch let error as EtcdGateway.DecodingError {
                fail(error.description, context)
            } catch {
                fail("watch message longer than \(splitter.maxLine) bytes", context)
            }
        case .end:
            fail("watch stream ended", context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(ProbeFailure.describe(error), context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail("watch connection closed", context)
    }

    /// Stops delivering: the watcher has moved on (a resync, a reconnect, a stop).
    func close() {
        failed = true
    }

    private func fail(_ reason: String, _ context: ChannelHandlerContext) {
        guard !failed else { return }
        failed = true
        context.close(promise: nil)
        onFailure(reason)
    }
}
