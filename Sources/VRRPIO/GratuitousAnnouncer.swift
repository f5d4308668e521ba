import CNetShim
import Glibc
import NetTypes

/// Sends gratuitous ARPs and unsolicited neighbour advertisements for VIPs on one interface.
///
/// Both go through one AF_PACKET socket with frames from `AnnouncementFrame`. A raw ICMPv6 socket would do for
/// the advertisement, but it lets the kernel choose the source, which may be a still-tentative link-local
/// address; a hand-built frame is the same bytes the unit tests check, and one code path serves both families.
/// The socket is non-blocking: it is used on the VRRP thread, and a device queue that does not drain (a stuck NIC,
/// a throttling qdisc) must fail an announcement with `EAGAIN`, not stop the adverts. Needs `CAP_NET_RAW`.
public final class GratuitousAnnouncer {
    public let interface: NetworkInterface
    /// The MAC the announcements claim the VIPs for: the interface's own.
    public let hardwareAddress: MACAddress
    private let fileDescriptor: Int32

    /// Opens the packet socket. The socket belongs to the calling thread's network namespace.
    public init(interface: NetworkInterface, hardwareAddress: MACAddress) throws {
        let result = cnet_packet_socket()
        guard result >= 0 else {
            throw SocketError(operation: "open a packet socket for \(interface)", code: -result)
        }
        let flags = fcntl(result, F_GETFL)
        guard flags >= 0, fcntl(result, F_SETFL, flags | O_NONBLOCK) == 0 else {
            let code = errno
            close(result)
            throw SocketError(operation: "make the packet socket for \(interface) non-blocking", code: code)
        }
        self.interface = interface
        self.hardwareAddress = hardwareAddress
        self.fileDescriptor = result
    }

    deinit {
        close(fileDescriptor)
    }

    /// Sends one announcement for `address`. Callers repeat it (keepalived's `garp_master_repeat`) since any
    /// single frame may be lost. Throws `EAGAIN` rather than waiting when the send buffer is full.
    public func announce(_ address: IPAddress) throws {
        let frame = AnnouncementFrame.announcing(address, from: hardwareAddress)
        let sent = frame.bytes.withUnsafeBytes { bytes in
            frame.destination.bytes.withUnsafeBufferPointer { destination in
                cnet_packet_send(
                    fileDescriptor, interface.index, frame.etherType, destination.baseAddress,
                    bytes.baseAddress, bytes.count)
            }
        }
        guard sent >= 0 else {
            throw SocketError(operation: "announce \(address) on \(interface)", code: Int32(-sent))
        }
    }
}
