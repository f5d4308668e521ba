/// Where `$NOTIFY_SOCKET` says the service manager listens: a file-system path, or a Linux abstract socket
/// name written with a leading `@`.
public enum NotifySocketAddress: Hashable, Sendable {
    case path(String)
    /// Without the `@`; on the wire the name starts with a NUL byte.
    case abstract(String)

    /// `sun_path`'s size on Linux.
    public static let maximumLength = 108

    /// nil for what this sender does not speak (`vsock:` addresses, relative paths) and for names too long
    /// for `sun_path`.
    public init?(environmentValue value: String) {
        if value.hasPrefix("/") {
            // The path needs its terminating NUL.
            guard value.utf8.count < Self.maximumLength else { return nil }
            self = .path(value)
        } else if value.hasPrefix("@") {
            let name = String(value.dropFirst())
            guard !name.isEmpty, name.utf8.count < Self.maximumLength else { return nil }
            self = .abstract(name)
        } else {
            return nil
        }
    }

    /// The bytes of `sun_path` and how many of them count (the address length less `sun_family`).
    var socketPathBytes: [UInt8] {
        switch self {
        case .path(let path): return Array(path.utf8) + [0]
        case .abstract(let name): return [0] + Array(name.utf8)
        }
    }
}
