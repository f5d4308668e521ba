import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix

/// The runtime API's Unix socket: HAProxy's stats socket, mode 0660, owned by `admin_group` when set.
public final class AdminSocketServer: Sendable {
    /// Connections served at once; more are closed at once, so a flood cannot take the daemon's descriptors.
    static let maxConnections = 64
    /// An interactive session idle this long is closed, as HAProxy's `stats timeout`.
    static let idleTimeout = TimeAmount.seconds(60)

    private let channel: Channel
    public let path: String

    private init(channel: Channel, path: String) {
        self.channel = channel
        self.path = path
    }

    /// Binds `path` (replacing a stale socket file left by a crash) and serves it on `controller`'s loop.
    public static func start(
        path: String, group: String?, controller: AdminController, logger: Logger
    ) -> EventLoopFuture<AdminSocketServer> {
        let rejected = Counter(label: "pgfloat_admin_commands_rejected_total")
        let limiter = ConnectionLimiter(limit: maxConnections)
        return ServerBootstrap(group: controller.eventLoop)
            .serverChannelOption(.backlog, value: 64)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                guard limiter.admit(channel) else {
                    logger.warning("admin connection refused: too many", metadata: ["limit": "\(maxConnections)"])
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: idleTimeout), IdleCloser(),
                        ByteToMessageHandler(AdminLineDecoder()),
                        AdminConnectionHandler(controller: controller, logger: logger, rejected: rejected),
                    ])
                }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
            .flatMapThrowing { channel in
                try restrictAccess(path: path, group: group)
                return AdminSocketServer(channel: channel, path: path)
            }
    }

    /// Closes the socket and removes its file.
    public func stop() -> EventLoopFuture<Void> {
        channel.close().always { _ in unlink(self.path) }
    }

    private static func restrictAccess(path: String, group: String?) throws {
        if let group {
            guard let entry = getgrnam(group) else { throw AdminSocketError("group \"\(group)\" does not exist") }
            guard chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else {
                throw AdminSocketError("cannot give \(path) to group \(group): \(String(cString: strerror(errno)))")
            }
        }
        guard chmod(path, 0o660) == 0 else {
            throw AdminSocketError("cannot chmod \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Counts open connections of one server; all calls come from its one event loop.
final class ConnectionLimiter: @unchecked Sendable {
    private let limit: Int
    private var open = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Admits `channel` when under the limit and counts it until it closes.
    func admit(_ channel: Channel) -> Bool {
        guard open < limit else { return false }
        open += 1
        channel.closeFuture.whenComplete { _ in self.open -= 1 }
        return true
    }
}

/// The admin socket could not be set up as configured.
public struct AdminSocketError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
