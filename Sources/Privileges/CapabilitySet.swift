/// A set of capabilities as the kernel keeps one: a bit per capability number, as /proc/PID/status shows it
/// (`CapEff: 0000000000003400`).
public struct CapabilitySet: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public var bits: UInt64

    public init(bits: UInt64) {
        self.bits = bits
    }

    public init<S: Sequence>(_ capabilities: S) where S.Element == Capability {
        bits = 0
        for capability in capabilities { insert(capability) }
    }

    public init(arrayLiteral elements: Capability...) {
        self.init(elements)
    }

    /// The 16 hexadecimal digits of a `Cap*:` line of /proc/PID/status; nil for anything else.
    public init?(hex: some StringProtocol) {
        let digits = hex.trimmingWhitespace
        guard !digits.isEmpty, digits.count <= 16, let bits = UInt64(digits, radix: 16) else { return nil }
        self.bits = bits
    }

    public static let empty = CapabilitySet(bits: 0)

    /// What pgfloat keeps after starting: VIPs over rtnetlink, VRRP and ARP sockets, listeners below 1024 bound
    /// on a reload. Nothing else: files, users and other processes are off limits.
    public static let daemon: CapabilitySet = [.netAdmin, .netRaw, .netBindService]

    public var isEmpty: Bool { bits == 0 }

    public func contains(_ capability: Capability) -> Bool {
        guard let bit = Self.bit(capability) else { return false }
        return bits & bit != 0
    }

    public mutating func insert(_ capability: Capability) {
        if let bit = Self.bit(capability) { bits |= bit }
    }

    public func intersection(_ other: CapabilitySet) -> CapabilitySet { CapabilitySet(bits: bits & other.bits) }
    public func union(_ other: CapabilitySet) -> CapabilitySet { CapabilitySet(bits: bits | other.bits) }
    public func subtracting(_ other: CapabilitySet) -> CapabilitySet { CapabilitySet(bits: bits & ~other.bits) }
    public func isSubset(of other: CapabilitySet) -> Bool { bits & ~other.bits == 0 }

    /// In ascending number.
    public var members: [Capability] {
        (0..<64).compactMap { bits & (1 << UInt64($0)) != 0 ? Capability(Int32($0)) : nil }
    }

    /// `cap_net_bind_service,cap_net_admin,cap_net_raw`, or `none`.
    public var description: String {
        isEmpty ? "none" : members.map(\.description).joined(separator: ",")
    }

    /// As /proc/PID/status prints it: `0000000000003400`.
    public var hex: String {
        let digits = String(bits, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    private static func bit(_ capability: Capability) -> UInt64? {
        (0..<64).contains(capability.number) ? 1 << UInt64(capability.number) : nil
    }
}

extension StringProtocol {
    var trimmingWhitespace: Substring {
        let text = self[...]
        guard let first = text.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = text.lastIndex(where: { !$0.isWhitespace })!
        return Substring(text[first...last])
    }
}
