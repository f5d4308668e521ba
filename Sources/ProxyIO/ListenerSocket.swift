import CSysShim
import Glibc

/// Opens listening sockets for a listener's binds.
///
/// Binding happens on the control side (at start and on reload) so that a bind error is reported, with the
/// config line, before the data plane ever sees the socket.
public enum ListenerSocket {
    /// A bound, listening, non-blocking socket. A non-local address (the VIP while this node is a backup) is
    /// bound with IP_FREEBIND, so the listener is already in place when VRRP brings the address up.
    public static func open(_ address: SocketAddress, backlog: Int32 = 4096) throws -> (fd: Int32, freebind: Bool) {
        let fd = shim_tcp_socket(address.family)
        guard fd >= 0 else { throw SocketError(operation: "socket", errno: -fd) }
        var freebind = false
        do {
            _ = shim_set_reuseaddr(fd)
            if address.family == AF_INET6 { _ = shim_set_v6only(fd) }
            var status = address.withSockAddr { Glibc.bind(fd, $0, $1) }
            if status < 0, errno == EADDRNOTAVAIL {
                freebind = true
                _ = shim_set_freebind(fd, address.family)
                status = address.withSockAddr { Glibc.bind(fd, $0, $1) }
            }
            guard status == 0 else { throw SocketError(operation: "bind \(address)", errno: errno) }
            guard listen(fd, backlog) == 0 else { throw SocketError(operation: "listen \(address)", errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        return (fd, freebind)
    }
}
