import CNetShim
import Glibc
import NetTypes

extension VRRPSocket {
    enum ReadResult {
        /// Nothing queued.
        case empty
        /// A read that yielded nothing usable (interrupted, or an IPv4 header that does not parse); read again.
        case skipped
        case datagram(VRRPDatagram)
    }

    func readOne() throws -> ReadResult {
        switch source.family {
        case .v4: return try readIPv4()
        case .v6: return try readIPv6()
        }
    }

    /// IPv4 raw sockets deliver the IP header, so TTL and destination come from it (bytes 8 and 16..19).
    private func readIPv4() throws -> ReadResult {
        let received = receiveBuffer.withUnsafeMutableBytes { buffer in
            recv(fileDescriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
        }
        guard received >= 0 else { return try failedRead(errno) }
        guard let datagram = IPv4Packet.datagram(from: receiveBuffer[0..<received]) else { return .skipped }
        return .datagram(datagram)
    }

    /// IPv6 raw sockets strip the header; the hop limit and destination come as control messages
    /// (IPV6_RECVHOPLIMIT, IPV6_RECVPKTINFO).
    private func readIPv6() throws -> ReadResult {
        var info = cnet_ipv6_packet_info()
        let received = receiveBuffer.withUnsafeMutableBytes { buffer in
            cnet_receive_ipv6(fileDescriptor, buffer.baseAddress, buffer.count, &info)
        }
        guard received >= 0 else { return try failedRead(Int32(-received)) }
        let source = withUnsafeBytes(of: info.source) { IPAddress(bytes: $0)! }
        let destination = withUnsafeBytes(of: info.destination) { IPAddress(bytes: $0)! }
        let payload = Array(receiveBuffer[0..<received])
        return .datagram(
            VRRPDatagram(payload: payload, source: source, destination: destination, ttl: Int(info.hop_limit)))
    }

    private func failedRead(_ code: Int32) throws -> ReadResult {
        switch code {
        case EAGAIN, EWOULDBLOCK: return .empty
        case EINTR: return .skipped
        default: throw SocketError(operation: "receive VRRP on \(interface)", code: code)
        }
    }
}
