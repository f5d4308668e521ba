/// What the security check needs to know of one path, as `stat` reports it; tests build them by hand.
public struct FileFacts: Hashable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    /// `st_mode`: the file type bits and the permission bits.
    public var mode: UInt32

    public init(uid: UInt32, gid: UInt32, mode: UInt32) {
        self.uid = uid
        self.gid = gid
        self.mode = mode
    }

    // The POSIX values, spelled out so the pure check needs no libc.
    static let typeMask: UInt32 = 0o170000
    static let directoryType: UInt32 = 0o040000
    static let regularType: UInt32 = 0o100000
    static let sticky: UInt32 = 0o1000

    public var isDirectory: Bool { mode & Self.typeMask == Self.directoryType }
    public var isRegularFile: Bool { mode & Self.typeMask == Self.regularType }
    /// The permission bits with setuid, setgid and sticky, as `ls -l` would show them in octal.
    public var permissions: UInt32 { mode & 0o7777 }
    var isSticky: Bool { mode & Self.sticky != 0 }
    var isGroupWritable: Bool { mode & 0o020 != 0 }
    var isWorldWritable: Bool { mode & 0o002 != 0 }
}
