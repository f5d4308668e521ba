import ConfigModel
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#endif

/// The watch's own TCP connection, with TCP keepalive: AsyncHTTPClient sets no socket options, and a watch is
/// silent while nothing changes, so without keepalive a flow that a NAT or firewall dropped is never noticed.
///
/// Keepalive probes start after `keepalive` of silence and repeat every `keepalive`; `keepaliveProbes` unanswered
/// ones make the kernel end the connection, so a dropped watch fails within `(1 + keepaliveProbes) x keepalive`
/// even when no key changes. The liveness probe (``WatchLiveness``) catches the dropped watch sooner when a key
/// does change. Unary requests stay on AsyncHTTPClient; they carry their own deadline.
enum WatchConnection {
    static let keepaliveProbes = 2

    /// Connects to `endpoint`, sends `body` to `/v3/watch`, and streams the response into `stream`. The future
    /// fails when the connection cannot be made; after that, `stream` reports every failure.
    static func open(
        _ endpoint: DCSConfig.StoreEndpoint, tls: NIOSSLContext?, headers extra: HTTPHeaders, body: [UInt8],
        timeout: Duration, keepalive: Duration, stream: WatchStream, on eventLoop: EventLoop
    ) -> EventLoopFuture<Channel> {
        // Whole seconds is what the kernel takes; at least one.
        let seconds = Int(clamping: max(1, keepalive.components.seconds))
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(Int64(clamping: timeout.nanoseconds)))
            .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            .channelOption(tcpOption(TCP_KEEPIDLE), value: seconds)
            .channelOption(tcpOption(TCP_KEEPINTVL), value: seconds)
            .channelOption(tcpOption(TCP_KEEPCNT), value: keepaliveProbes)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tls {
                        // Without a name, NIOSSL checks the certificate against the peer's IP address.
                        let name = endpoint.isIPAddress ? nil : endpoint.host
                        try sync.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(stream)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .map { channel in
                var headers = extra
                headers.add(name: "Host", value: endpoint.hostHeader)
                headers.add(name: "Content-Type", value: "application/json")
                headers.add(name: "Content-Length", value: "\(body.count)")
                let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v3/watch", headers: headers)
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                return channel
            }
    }

    private static func tcpOption(_ name: CInt) -> ChannelOptions.Types.SocketOption {
        ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: name))
    }
}

extension DCSConfig.StoreEndpoint {
    /// Whether the host is an IP address (then there is no name to verify or send as SNI).
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: host, port: port)) != nil
    }

    /// The `Host` header: `host:port`, an IPv6 address in brackets.
    var hostHeader: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
