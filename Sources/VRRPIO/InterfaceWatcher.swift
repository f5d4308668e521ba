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
/// the watcher then dumps links and addresses once and replaces the model with the dump.
public final class InterfaceWatcher {
    /// Polled for readability by the caller's loop.
    public let fileDescriptor: Int32
    /// Links by index.
    public private(set) var links: [Int32: WatchedLink] = [:]
    /// Addresses by interface index.
    public private(set) var addresses: [Int32: [InterfaceAddress]] = [:]
    /// The model being rebuilt by a resynchronising dump, nil when none runs.
    private var staging: (links: [Int32: WatchedLink], addresses: [Int32: [InterfaceAddress]])?
    /// The dumps still to request, in order, and the sequence number of the one running.
    private var pendingDumps: [UInt16] = []
    private var runningDump: UInt32?
    /// An overrun while a dump runs: the kernel refuses a second dump on the socket (EBUSY), so the
    /// resynchronisation starts over when the running one ends.
    private var overrunDuringDump = false
    private var sequence: UInt32 = 0
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    /// What one `readable()` call saw.
    public struct Changes: Sendable {
        /// Whether anything in the model changed.
        public var changed = false
        /// Whether the model was just replaced by a dump (after an overrun or at start): any address may have gone.
        public var resynchronised = false
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
        try resynchronise()
        let deadline = ContinuousClock.now + timeout
        while staging != nil {
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
                    if runningDump != nil {
                        overrunDuringDump = true
                    } else {
                        do { try resynchronise() } catch { changes.failure = error as? SocketError }
                    }
                    continue
                }
                changes.failure = SocketError(operation: "read rtnetlink notifications", code: code)
                break
            }
            for message in RouteMessage.decode(buffer[0..<count]) { apply(message, to: &changes) }
        }
        return changes
    }

    private func apply(_ message: RouteMessage, to changes: inout Changes) {
        switch message {
        case .dumpDone(let done), .failed(let done, _):
            guard done == runningDump else { return }
            runningDump = nil
            if overrunDuringDump {
                overrunDuringDump = false
                do { try resynchronise() } catch { changes.failure = error as? SocketError }
            } else if pendingDumps.isEmpty, let staged = staging {
                links = staged.links
                addresses = staged.addresses
                staging = nil
                changes.changed = true
                changes.resynchronised = true
            } else {
                do { try requestNextDump() } catch { changes.failure = error as? SocketError }
            }
            return
        case .addressRemoved(let index, let network):
            changes.removedAddresses.append((index, network))
        case .link, .linkRemoved, .address:
            break
        }
        changes.changed = true
        Self.apply(message, links: &links, addresses: &addresses)
        if var staged = staging {
            staging = nil
            Self.apply(message, links: &staged.links, addresses: &staged.addresses)
            staging = staged
        }
    }

    private static func apply(
        _ message: RouteMessage, links: inout [Int32: WatchedLink], addresses: inout [Int32: [InterfaceAddress]]
    ) {
        switch message {
        case .link(let link):
            // A new index under a known name is a recreated interface: the old one is gone.
            if let stale = links.values.first(where: { $0.name == link.name && $0.index != link.index }) {
                links[stale.index] = nil
                addresses[stale.index] = nil
            }
            links[link.index] = link
        case .linkRemoved(let index):
            links[index] = nil
            addresses[index] = nil
        case .address(let index, let address):
            var list = addresses[index] ?? []
            if let known = list.firstIndex(where: { $0.network == address.network }) {
                list[known] = address
            } else {
                list.append(address)
            }
            addresses[index] = list
        case .addressRemoved(let index, let network):
            addresses[index]?.removeAll { $0.network == network }
        case .dumpDone, .failed:
            break
        }
    }

    /// Starts a dump of every link, then of every address, into a fresh model.
    private func resynchronise() throws {
        staging = ([:], [:])
        pendingDumps = [RouteMessage.getLink, RouteMessage.getAddress]
        try requestNextDump()
    }

    private func requestNextDump() throws {
        guard !pendingDumps.isEmpty else { return }
        let type = pendingDumps.removeFirst()
        sequence &+= 1
        // nlmsghdr (16) + a one-byte rtgenmsg (family AF_UNSPEC), padded to 20.
        var request = [UInt8](repeating: 0, count: 20)
        request.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(17).littleEndian, Array.init))
        request.replaceSubrange(4..<6, with: withUnsafeBytes(of: type.littleEndian, Array.init))
        // NLM_F_REQUEST | NLM_F_DUMP
        request.replaceSubrange(6..<8, with: withUnsafeBytes(of: UInt16(0x301).littleEndian, Array.init))
        request.replaceSubrange(8..<12, with: withUnsafeBytes(of: sequence.littleEndian, Array.init))
        let sent = request.withUnsafeBytes { send(fileDescriptor, $0.baseAddress, 17, 0) }
        guard sent == 17 else { throw SocketError(operation: "request an rtnetlink dump", code: errno) }
        runningDump = sequence
    }
}
