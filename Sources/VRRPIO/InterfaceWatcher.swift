import CNetlink
import Glibc
import NetTypes

// Contract: one non-blocking NETLINK_ROUTE socket subscribed to link and address notifications, read from one
// thread (the VRRP loop, which polls `fileDescriptor`). It belongs to the network namespace of the thread that
// created it. Nothing here blocks after `init`: the only request it sends later is the resynchronising dump after
// an overrun, whose replies arrive through the same poll.

/// The links and addresses of the namespace, kept current by rtnetlink notifications instead of polling.
///
/// When the kernel drops notifications because the socket's buffer was full (`ENOBUFS`), the model may be stale:
/// the watcher then dumps links and addresses and replaces the model with the dump once a whole one came back
/// (`InterfaceModel`).
public final class InterfaceWatcher {
    /// Polled for readability by the caller's loop.
    public let fileDescriptor: Int32
    /// The model and its resynchronisation (InterfaceModel.swift).
    private var model = InterfaceModel()
    /// Links by index.
    public var links: [Int32: WatchedLink] { model.links }
    /// Addresses by interface index.
    public var addresses: [Int32: [InterfaceAddress]] { model.addresses }
    /// Every link by name with its addresses, as `HostAddresses.byInterface()` lists them but without a dump.
    public var addressesByName: [String: [IPAddress]] { model.addressesByName }
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    /// What one `readable()` call saw.
    public struct Changes: Sendable {
        /// Whether anything in the model changed.
        public var changed = false
        /// Whether the model was just replaced by a dump (after an overrun or at start): any address may have gone.
        public var resynchronised = false
        /// Whether a resynchronising dump came back interrupted or failed and was started over (the model kept).
        public var resynchronisationRestarted = false
        /// Addresses removed, by interface index.
        public var removedAddresses: [(index: Int32, network: IPNetwork)] = []
        /// Why the last read failed, other than an overrun.
        public var failure: SocketError?
    }

    /// Opens the socket, subscribes, and loads the model with a dump (waiting up to `timeout` for it).
    ///
    /// - Parameter receiveBuffer: the socket's buffer in bytes; tests make it small to cause overruns.
    public init(timeout: Duration = .seconds(5), receiveBuffer: Int32 = 4 << 20) throws {
        let type = Int32(SOCK_RAW.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = socket(AF_NETLINK, type, 0)
        guard descriptor >= 0 else { throw SocketError(operation: "open a netlink socket", code: errno) }
        fileDescriptor = descriptor
        // From here a throw runs deinit, which closes the descriptor.
        // A larger buffer makes overruns rare under interface churn; the forced variant needs CAP_NET_ADMIN.
        var size = receiveBuffer
        let sizeLength = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeLength) != 0 {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, sizeLength)
        }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        // RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
        address.nl_groups = 0x1 | 0x10 | 0x100
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        guard bound == 0 else { throw SocketError(operation: "subscribe to rtnetlink", code: errno) }
        try requestDump(model.resynchronise())
        let deadline = ContinuousClock.now + timeout
        while model.isResynchronising {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { throw SocketError(operation: "dump links and addresses", code: ETIMEDOUT) }
            var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, Int32(left.components.seconds * 1000 + 1))
            if let failure = readable().failure { throw failure }
        }
    }

    deinit {
        close(fileDescriptor)
    }

    /// The link named `name` now, nil when there is none.
    public func link(named name: String) -> WatchedLink? {
        links.values.first { $0.name == name }
    }

    /// Reads every queued message and applies it; never blocks.
    public func readable() -> Changes {
        var changes = Changes()
        for _ in 0..<4096 {
            let count = buffer.withUnsafeMutableBytes { recv(fileDescriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { break }
                if code == ENOBUFS {
                    // Notifications were lost: only a full dump tells what the kernel holds now.
                    request(model.overrun(), into: &changes)
                    continue
                }
                changes.failure = SocketError(operation: "read rtnetlink notifications", code: code)
                break
            }
            for message in RouteMessage.decode(buffer[0..<count]) {
                request(model.apply(message, to: &changes), into: &changes)
            }
        }
        return changes
    }

    /// Sends the dump the model asks for, if any; a failure to send is reported and leaves the model as it was.
    private func request(_ dump: InterfaceModel.DumpRequest?, into changes: inout Changes) {
        guard let dump else { return }
        do {
            try requestDump(dump)
        } catch {
            model.dumpNotSent()
            changes.failure = error as? SocketError
        }
    }

    private func requestDump(_ dump: InterfaceModel.DumpRequest) throws {
        // nlmsghdr (16) + a one-byte rtgenmsg (family AF_UNSPEC), padded to 20.
        var request = [UInt8](repeating: 0, count: 20)
        request.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(17).littleEndian, Array.init))
        request.replaceSubrange(4..<6, with: withUnsafeBytes(of: dump.type.littleEndian, Array.init))
        // NLM_F_REQUEST | NLM_F_DUMP
        request.replaceSubrange(6..<8, with: withUnsafeBytes(of: UInt16(0x301).littleEndian, Array.init))
        request.replaceSubrange(8..<12, with: withUnsafeBytes(of: dump.sequence.littleEndian, Array.init))
        let sent = request.withUnsafeBytes { send(fileDescriptor, $0.baseAddress, 17, 0) }
        guard sent == 17 else { throw SocketError(operation: "request an rtnetlink dump", code: errno) }
    }
}
