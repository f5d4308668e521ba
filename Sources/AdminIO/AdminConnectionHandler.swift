import AdminCore
import Logging
import Metrics
import NIOCore

/// One admin socket connection: answers each line's commands in order, in HAProxy's framing, then closes or
/// prompts as `AdminSession` says.
///
/// Lines that arrive while a line is being answered wait their turn, so answers never interleave.
final class AdminConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = AdminLine
    typealias OutboundOut = ByteBuffer

    private let controller: AdminController
    private let logger: Logger
    private let rejected: Counter
    private var session = AdminSession()
    private var pending: [AdminLine] = []
    private var busy = false
    private var closing = false
    private var inputClosed = false

    init(controller: AdminController, logger: Logger, rejected: Counter) {
        self.controller = controller
        self.logger = logger
        self.rejected = rejected
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        pending.append(unwrapInboundIn(data))
        answerNext(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            if !busy, pending.isEmpty { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("admin connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    private func answerNext(context: ChannelHandlerContext) {
        guard !busy, !closing, !pending.isEmpty else { return }
        let line = pending.removeFirst()
        let step: AdminSessionStep
        switch line {
        case .line(let text): step = session.receive(line: text)
        case .oversized: step = session.receiveOversizedLine()
        }
        busy = true
        answer(step.commands[...], context: context).whenComplete { _ in
            self.busy = false
            var tail = context.channel.allocator.buffer(capacity: step.trailer.utf8.count)
            tail.writeString(step.trailer)
            let written = context.writeAndFlush(self.wrapOutboundOut(tail))
            if step.close || (self.inputClosed && self.pending.isEmpty) {
                self.closing = true
                written.whenComplete { _ in context.close(promise: nil) }
            } else {
                self.answerNext(context: context)
            }
        }
    }

    /// Runs the commands one after the other, writing each answer as it comes.
    private func answer(
        _ commands: ArraySlice<Result<AdminCommand, AdminCommandError>>, context: ChannelHandlerContext
    ) -> EventLoopFuture<Void> {
        guard let first = commands.first else { return context.eventLoop.makeSucceededVoidFuture() }
        let output: EventLoopFuture<String>
        switch first {
        case .success(let command):
            output = controller.execute(command).flatMapErrorThrowing { error in
                self.rejected.increment()
                return (error as? AdminCommandError)?.message ?? "\(error)"
            }
        case .failure(let error):
            rejected.increment()
            logger.info("admin command refused", metadata: ["why": "\(error.message)"])
            output = context.eventLoop.makeSucceededFuture(error.message)
        }
        return output.flatMap { text in
            var buffer = context.channel.allocator.buffer(capacity: text.utf8.count + 2)
            buffer.writeString(AdminResponse.frame(text))
            context.write(self.wrapOutboundOut(buffer), promise: nil)
            return self.answer(commands.dropFirst(), context: context)
        }
    }
}
