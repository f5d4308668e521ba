import AdminCore
import NIOCore

/// One line read from the admin socket, or the news that a line was too long to trust the rest of the stream.
enum AdminLine {
    case line(String)
    case oversized
}

/// Cuts the admin socket's byte stream into lines (`\n`, with an optional `\r` before it), at most
/// `AdminSession.maxLineBytes` each, so a client that never sends a newline cannot make it buffer without end.
struct AdminLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = AdminLine

    private var oversized = false

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard !oversized else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > AdminSession.maxLineBytes {
                oversized = true
                buffer.moveReaderIndex(to: buffer.writerIndex)
                context.fireChannelRead(wrapInboundOut(.oversized))
            }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        guard length <= AdminSession.maxLineBytes else {
            oversized = true
            buffer.moveReaderIndex(to: buffer.writerIndex)
            context.fireChannelRead(wrapInboundOut(.oversized))
            return .needMoreData
        }
        var bytes = buffer.readBytes(length: length) ?? []
        buffer.moveReaderIndex(forwardBy: 1)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        context.fireChannelRead(wrapInboundOut(.line(String(decoding: bytes, as: UTF8.self))))
        return .continue
    }

    /// A last line without a newline still counts, as `printf 'show info' | socat` sends it.
    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if !oversized, buffer.readableBytes > 0, let text = buffer.readString(length: buffer.readableBytes) {
            context.fireChannelRead(wrapInboundOut(.line(text)))
        }
        return .needMoreData
    }
}
