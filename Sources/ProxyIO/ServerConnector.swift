import CSysShim
import Glibc

/// How an attempt to open a connection to a server started.
enum ConnectStart {
    /// A non-blocking connect is in flight (or already done) on `fd`; epoll reports its end.
    case inFlight(fd: Int32)
    /// The attempt failed before anything reached the network, or the kernel refused it at once.
    case failed(ConnectError)
}

/// Why a connect attempt failed, and whose fault that is.
struct ConnectError: Error, CustomStringConvertible {
    /// The system call that failed: `socket`, `connect` or `epoll_ctl`.
    var operation: String
    var code: Int32

    /// Failures of this host's own resources (descriptors, ports, memory, epoll), not of the server: they must
    /// not take the server out of balancing, or running out of descriptors would look like a dead primary.
    var isLocal: Bool {
        if operation != "connect" { return true }
        switch code {
        case EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL, EAGAIN: return true
        default: return false
        }
    }

    var description: String { "\(operation): \(String(cString: strerror(code)))" }

    /// `call:ERRNO` (`socket:EMFILE`), the label the local-error counters use.
    var label: String {
        let names: [Int32: String] = [
            EMFILE: "EMFILE", ENFILE: "ENFILE", ENOBUFS: "ENOBUFS", ENOMEM: "ENOMEM",
            EADDRNOTAVAIL: "EADDRNOTAVAIL", EAGAIN: "EAGAIN", EPERM: "EPERM", ENOSPC: "ENOSPC",
        ]
        return "\(operation):\(names[code] ?? "errno\(code)")"
    }
}

/// Opens non-blocking TCP connections to servers. A seam so that tests can make `socket` or `connect` fail at
/// once, as they do on a host out of descriptors or ports.
protocol ServerConnector {
    func start(to address: SocketAddress) -> ConnectStart
}

/// The real thing: `socket` + `TCP_NODELAY` + non-blocking `connect`.
struct SocketConnector: ServerConnector {
    func start(to address: SocketAddress) -> ConnectStart {
        let fd = shim_tcp_socket(address.family)
        guard fd >= 0 else { return .failed(ConnectError(operation: "socket", code: -fd)) }
        _ = shim_set_nodelay(fd)
        let status = address.withSockAddr { shim_connect(fd, $0, $1) }
        guard status >= 0 else {
            close(fd)
            return .failed(ConnectError(operation: "connect", code: -status))
        }
        return .inFlight(fd: fd)
    }
}
