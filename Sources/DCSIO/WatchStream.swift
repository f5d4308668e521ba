import AsyncHTTPClient
import DCSCore
import HealthIO
import NIOCore
import NIOHTTP1

/// Reads one watch response as it streams: cuts it into lines, decodes each, and hands the messages on.
final class WatchStream: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = Void

    /// Called on the event loop for each message, and once with the reason the stream cannot go on.
    private let onMessage: (EtcdGateway.WatchMessage) -> Void
    private let onFailure: (String) -> Void
    private var splitter = LineSplitter()
    private var failed = false

    init(onMessage: @escaping (EtcdGateway.WatchMessage) -> Void, onFailure: @escaping (String) -> Void) {
        self.onMessage = onMessage
        self.onFailure = onFailure
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        if head.status != .ok { fail("watch answered HTTP \(head.status.code)", task) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard !failed else { return task.eventLoop.makeSucceededVoidFuture() }
        do {
            for line in try splitter.feed(buffer.readableBytesView) {
                onMessage(try EtcdGateway.watchMessage(line))
                if failed { break }
            }
        } catch let error as EtcdGateway.DecodingError {
            fail(error.description, task)
        } catch {
            fail("watch message longer than \(splitter.maxLine) bytes", task)
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        fail("watch stream ended", task)
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: Error) {
        fail(ProbeFailure.describe(error), task)
    }

    /// Stops delivering: the watcher has moved on (a resync, a reconnect, a stop).
    func close() {
        failed = true
    }

    private func fail(_ reason: String, _ task: HTTPClient.Task<Void>) {
        guard !failed else { return }
        failed = true
        task.cancel()
        onFailure(reason)
    }
}
