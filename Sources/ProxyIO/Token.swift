/// The 64-bit epoll user data: what kind of descriptor fired, which slot, and that slot's generation.
///
/// The generation lets a stale event (for a session closed earlier in the same epoll batch whose slot was
/// reused) be recognised and ignored.
struct Token {
    enum Kind: UInt64 {
        case client = 1
        case server = 2
        case listener = 3
        case wakeup = 4
        case cancel = 5
        /// The kernel relay's ring buffer of flows that started keeping bytes.
        case kernelRelay = 6
    }

    var kind: Kind
    var index: Int
    var generation: UInt32

    init(kind: Kind, index: Int, generation: UInt32 = 0) {
        self.kind = kind
        self.index = index
        self.generation = generation
    }

    init?(raw: UInt64) {
        guard let kind = Kind(rawValue: raw >> 56) else { return nil }
        self.kind = kind
        self.generation = UInt32((raw >> 32) & 0x00FF_FFFF)
        self.index = Int(raw & 0xFFFF_FFFF)
    }

    var raw: UInt64 {
        kind.rawValue << 56 | UInt64(generation & 0x00FF_FFFF) << 32 | UInt64(UInt32(truncatingIfNeeded: index))
    }
}
