import NetTypes

/// One rtnetlink link or address message, decoded: what the interface watcher keeps.
///
/// Only the fields VRRP needs are read; anything else in a message is skipped, so newer kernels' attributes do
/// no harm.
public enum RouteMessage: Equatable, Sendable {
    /// RTM_NEWLINK: a link appeared or changed.
    case link(WatchedLink)
    /// RTM_DELLINK: the link with this index is gone.
    case linkRemoved(index: Int32)
    /// RTM_NEWADDR: an address appeared or changed (DAD finishing clears `isTentative`).
    case address(index: Int32, InterfaceAddress)
    /// RTM_DELADDR.
    case addressRemoved(index: Int32, IPNetwork)
    /// NLMSG_DONE: the dump with this sequence number is complete.
    case dumpDone(sequence: UInt32)
    /// NLMSG_ERROR with a non-zero code, for the request with this sequence number.
    case failed(sequence: UInt32, code: Int32)
    /// A reply of the dump with this sequence number carried NLM_F_DUMP_INTR: the kernel's tables changed while
    /// it ran, so the dump may miss entries. Decoded just before the message that carried the flag.
    case dumpInterrupted(sequence: UInt32)

    static let done: UInt16 = 3
    static let error: UInt16 = 2
    static let newLink: UInt16 = 16
    static let deleteLink: UInt16 = 17
    static let getLink: UInt16 = 18
    static let newAddress: UInt16 = 20
    static let deleteAddress: UInt16 = 21
    static let getAddress: UInt16 = 22
    /// NLM_F_DUMP_INTR in nlmsghdr.nlmsg_flags.
    static let dumpInterruptedFlag: UInt16 = 0x10

    /// Every message in one netlink read; a truncated or malformed tail is dropped.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> [RouteMessage] {
        var messages: [RouteMessage] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 16 {
            let length = Int(bytes.u32(at: offset))
            guard length >= 16, offset + length <= bytes.endIndex else { break }
            let type = bytes.u16(at: offset + 4)
            let sequence = bytes.u32(at: offset + 8)
            if bytes.u16(at: offset + 6) & dumpInterruptedFlag != 0 {
                messages.append(.dumpInterrupted(sequence: sequence))
            }
            let body = bytes[(offset + 16)..<(offset + length)]
            if let message = decode(type: type, sequence: sequence, body: body) { messages.append(message) }
            offset += align(length)
        }
        return messages
    }

    private static func decode(type: UInt16, sequence: UInt32, body: ArraySlice<UInt8>) -> RouteMessage? {
        switch type {
        case done:
            return .dumpDone(sequence: sequence)
        case error:
            guard body.count >= 4 else { return nil }
            let code = Int32(bitPattern: body.u32(at: body.startIndex))
            return code == 0 ? nil : .failed(sequence: sequence, code: -code)
        case newLink, deleteLink:
            // struct ifinfomsg: family, pad, type (2), index (4), flags (4), change (4).
            guard body.count >= 16 else { return nil }
            let index = Int32(bitPattern: body.u32(at: body.startIndex + 4))
            if type == deleteLink { return .linkRemoved(index: index) }
            let flags = body.u32(at: body.startIndex + 8)
            let attributes = attributes(in: body.dropFirst(16))
            guard let nameBytes = attributes[3] else { return nil }
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            let mac = attributes[1].flatMap { bytes in
                bytes.count == 6 && bytes.contains { $0 != 0 } ? MACAddress(bytes: Array(bytes)) : nil
            }
            return .link(WatchedLink(
                index: index, name: name, state: LinkState(isUp: flags & 0x1 != 0, isRunning: flags & 0x40 != 0),
                hardwareAddress: mac))
        case newAddress, deleteAddress:
            // struct ifaddrmsg: family, prefixlen, flags, scope, index (4).
            guard body.count >= 8 else { return nil }
            let start = body.startIndex
            let index = Int32(bitPattern: body.u32(at: start + 4))
            let attributes = attributes(in: body.dropFirst(8))
            // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links, else the same.
            guard let raw = attributes[2] ?? attributes[1], let ip = IPAddress(bytes: Array(raw)),
                let network = IPNetwork(address: ip, prefixLength: Int(body[start + 1]))
            else { return nil }
            if type == deleteAddress { return .addressRemoved(index: index, network) }
            // IFA_FLAGS carries all 32 bits when present; the header's byte only the low eight.
            let flags = attributes[8].flatMap { $0.count >= 4 ? $0.u32(at: $0.startIndex) : nil }
                ?? UInt32(body[start + 2])
            let label = attributes[3].map { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return .address(index: index, InterfaceAddress(
                network: network, label: label, isSecondary: flags & 0x01 != 0, isTentative: flags & 0x40 != 0,
                isLinkScope: body[start + 3] == 253))
        default:
            return nil
        }
    }

    /// Route attributes by type (the last of a type wins), nested flags masked off.
    private static func attributes(in bytes: ArraySlice<UInt8>) -> [UInt16: ArraySlice<UInt8>] {
        var found: [UInt16: ArraySlice<UInt8>] = [:]
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 4 {
            let length = Int(bytes.u16(at: offset))
            guard length >= 4, offset + length <= bytes.endIndex else { break }
            found[bytes.u16(at: offset + 2) & 0x3FFF] = bytes[(offset + 4)..<(offset + length)]
            offset += align(length)
        }
        return found
    }

    static func align(_ length: Int) -> Int { (length + 3) & ~3 }
}

/// A link as the watcher knows it.
public struct WatchedLink: Equatable, Sendable {
    public var index: Int32
    public var name: String
    public var state: LinkState
    /// Nil for links without an Ethernet address (loopback, tun).
    public var hardwareAddress: MACAddress?

    public init(index: Int32, name: String, state: LinkState, hardwareAddress: MACAddress?) {
        self.index = index
        self.name = name
        self.state = state
        self.hardwareAddress = hardwareAddress
    }
}

extension ArraySlice where Element == UInt8 {
    /// Netlink headers are in host order, which is little-endian on every platform pgfloat ships for.
    func u16(at offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }

    func u32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16
            | UInt32(self[offset + 3]) << 24
    }
}
