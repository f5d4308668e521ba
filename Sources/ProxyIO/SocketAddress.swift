import CSysShim
import Glibc

/// A resolved IPv4 or IPv6 socket address, kept as the raw `sockaddr_storage` the kernel calls take.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public private(set) var storage = sockaddr_storage()
    public private(set) var length: socklen_t = 0

    public init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
    }

    public var family: Int32 { Int32(storage.ss_family) }

    public static func == (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        lhs.description == rhs.description
    }

    /// Resolves a host (literal or name) and port with getaddrinfo, IPv4 and IPv6 alike, in resolver order.
    ///
    /// No AI_ADDRCONFIG: it hides ::1 on hosts (and test namespaces) that have no global IPv6 address.
    public static func resolve(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw SocketError(operation: "resolve \(host)", message: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(first) }
        return collect(first)
    }

    private static func collect(_ first: UnsafeMutablePointer<addrinfo>) -> [SocketAddress] {
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let raw = info.pointee.ai_addr,
                info.pointee.ai_family == AF_INET || info.pointee.ai_family == AF_INET6
            {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(info.pointee.ai_addrlen)))
                }
                let address = SocketAddress(storage: storage, length: info.pointee.ai_addrlen)
                if !addresses.contains(address) { addresses.append(address) }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    /// Calls `body` with the address as the `sockaddr` pointer the socket calls take.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }

    /// The IP address bytes alone, for the `source` balancing hash.
    var addressBytesHash: UInt32 {
        var hash: UInt32 = 2_166_136_261
        withUnsafeBytes(of: storage) { raw in
            let range = family == AF_INET6 ? 8..<24 : 4..<8
            for byte in raw[range] { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        }
        return hash
    }

    /// The IP address alone, without the port: the key of per-source limits.
    var host: HostKey {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                return HostKey(high: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                               low: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
            }
            // IPv4 as its IPv4-mapped IPv6 form, so one client is one key on dual-stack listeners too.
            let v4 = UInt64(raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            return HostKey(high: 0, low: 0xFFFF_0000 | v4 << 32)
        }
    }

    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        return withUnsafeBytes(of: storage) { raw -> String in
            if family == AF_INET6 {
                let sin6 = raw.load(as: sockaddr_in6.self)
                var address = sin6.sin6_addr
                inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
                return "[\(String(cString: text))]:\(UInt16(bigEndian: sin6.sin6_port))"
            }
            let sin = raw.load(as: sockaddr_in.self)
            var address = sin.sin_addr
            inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            return "\(String(cString: text)):\(UInt16(bigEndian: sin.sin_port))"
        }
    }
}

/// An IP address as two words, for dictionaries keyed by client host.
struct HostKey: Hashable {
    var high: UInt64
    var low: UInt64
}

/// A failed socket operation, with the system's words for it.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    init(operation: String, errno code: Int32) {
        self.init(operation: operation, message: String(cString: strerror(code)))
    }

    public var description: String { "\(operation): \(message)" }
}
