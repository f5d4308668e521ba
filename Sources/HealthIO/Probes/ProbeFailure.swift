import Glibc
import MonotonicTime
import NIOCore
import NIOPosix

/// Why a check failed, in words fit for a log line.
public struct ProbeFailure: Error, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    /// The check did not finish within the configured timeout.
    static func timedOut(after timeout: Duration) -> ProbeFailure {
        ProbeFailure("timed out after \(timeout.milliseconds)ms")
    }

    /// Short text for a connection-level error, without NIO's type names and descriptor numbers.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let failure as ProbeFailure:
            return failure.description
        case let error as NIOConnectionError:
            // Happy Eyeballs wraps every attempt; the first real cause is what an operator needs.
            if let attempt = error.connectionErrors.first {
                return "connect to \(text(attempt.target)) failed: \(describe(attempt.error))"
            }
            if let dnsError = error.dnsAError ?? error.dnsAAAAError {
                return "cannot resolve \(error.host): \(dnsError)"
            }
            return "cannot connect to \(error.host):\(error.port)"
        case ChannelError.connectTimeout(let amount):
            return "connect timed out after \(amount.nanoseconds / 1_000_000)ms"
        case let error as IOError:
            return String(cString: strerror(error.errnoCode))
        default:
            return String(describing: error)
        }
    }

    /// `host:port` without NIO's `[IPv4]name/address` decoration.
    private static func text(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
