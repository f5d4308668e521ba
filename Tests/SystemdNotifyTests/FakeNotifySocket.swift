import Foundation
import Glibc

/// A bound AF_UNIX datagram socket standing in for systemd's notify socket: a path in a temp dir, or an abstract
/// name. Every wait is bounded.
final class FakeNotifySocket {
    let environmentValue: String
    private let descriptor: Int32
    private let directory: String?

    /// - Parameter abstract: Bind a Linux abstract name (`@...`) rather than a file.
    init(abstract: Bool = false) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var pathBytes: [UInt8]
        if abstract {
            let name = "pgfloat-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            environmentValue = "@" + name
            pathBytes = [0] + Array(name.utf8)
            directory = nil
        } else {
            let template = NSTemporaryDirectory() + "/pgfloat-notify-XXXXXX"
            var buffer = Array(template.utf8CString)
            guard mkdtemp(&buffer) != nil else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            let made = String(cString: buffer)
            directory = made
            environmentValue = made + "/notify"
            pathBytes = Array(environmentValue.utf8) + [0]
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }

    deinit {
        close(descriptor)
        if let directory {
            unlink(directory + "/notify")
            rmdir(directory)
        }
    }

    /// The next datagram's text, or nil if none arrives within `timeout`.
    func receive(timeout: Duration = .seconds(5)) -> String? {
        var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int32(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        guard poll(&descriptors, 1, milliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count >= 0 else { return nil }
        return String(decoding: buffer.prefix(count), as: UTF8.self)
    }
}
