import NetTypes

/// A reason `VRRPInstanceSettings` cannot run; `description` is a message for a config error.
public enum VRRPSettingsProblem: Hashable, Sendable, CustomStringConvertible {
    /// RFC 5798 5.2.3: VRID 0 is not valid.
    case vridZero
    /// RFC 5798 5.2.4: priority 0 is reserved for a master that resigns.
    case priorityZero
    /// The interval cannot be carried by the version: whole seconds 1...255 for VRRPv2 (RFC 3768 5.3.7), whole
    /// centiseconds 1...4095 for VRRPv3 (RFC 5798 5.2.7).
    case advertIntervalOutOfRange(Duration)
    /// An instance that holds no address has nothing to fail over.
    case noVirtualAddresses
    /// RFC 5798 5.2.9: every address in an advert has the family of the packet.
    case virtualAddressFamily(IPNetwork)
    /// More addresses than the one-byte count field holds.
    case tooManyVirtualAddresses(Int)
    /// RFC 3768 is IPv4 only.
    case versionTwoNeedsIPv4
    /// VRRPv3 has no authentication field (RFC 5798 9).
    case authenticationNeedsVersionTwo
    /// The simple-text password fills eight bytes at most and cannot be empty.
    case passwordLength(Int)
    /// A delay cannot be negative.
    case negativeDelay(Duration)
    /// A burst cannot have fewer than zero frames.
    case negativeGratuitousRepeat(Int)

    /// One line for a config error, without the file and line the loader adds.
    public var description: String {
        switch self {
        case .vridZero:
            return "virtual router id must be 1...255"
        case .priorityZero:
            return "priority must be 1...255 (0 is reserved for a master that resigns)"
        case .advertIntervalOutOfRange(let interval):
            return "advert interval \(interval) cannot be sent: VRRPv2 takes whole seconds 1...255, "
                + "VRRPv3 whole centiseconds from 10ms to 40.95s"
        case .noVirtualAddresses:
            return "at least one virtual address is needed"
        case .virtualAddressFamily(let network):
            return "virtual address \(network) is not of the family of the primary address"
        case .tooManyVirtualAddresses(let count):
            return "\(count) virtual addresses; one advert carries at most 255"
        case .versionTwoNeedsIPv4:
            return "VRRPv2 runs over IPv4 only; use version 3 for IPv6"
        case .authenticationNeedsVersionTwo:
            return "authentication exists in VRRPv2 only"
        case .passwordLength(let length):
            return "the password is \(length) bytes; it must be 1...8"
        case .negativeDelay(let delay):
            return "delay \(delay) is negative"
        case .negativeGratuitousRepeat(let frames):
            return "gratuitous repeat \(frames) is negative"
        }
    }
}

extension VRRPInstanceSettings {
    /// Everything that keeps these settings from running; empty when they are usable.
    public var problems: [VRRPSettingsProblem] {
        var found: [VRRPSettingsProblem] = []
        if vrid == 0 { found.append(.vridZero) }
        if priority == 0 { found.append(.priorityZero) }
        if !intervalFitsVersion { found.append(.advertIntervalOutOfRange(advertInterval)) }
        if virtualAddresses.isEmpty { found.append(.noVirtualAddresses) }
        if virtualAddresses.count > Int(UInt8.max) { found.append(.tooManyVirtualAddresses(virtualAddresses.count)) }
        found += virtualAddresses.filter { $0.address.family != family }.map { .virtualAddressFamily($0) }
        switch version {
        case .v2:
            if family != .v4 { found.append(.versionTwoNeedsIPv4) }
        case .v3:
            if authentication != nil { found.append(.authenticationNeedsVersionTwo) }
        }
        if let password = authentication, !(1...8).contains(password.utf8.count) {
            found.append(.passwordLength(password.utf8.count))
        }
        found += [preemptDelay, gratuitousRepeatDelay].filter { $0 < .zero }.map { .negativeDelay($0) }
        if lowerPriorityGratuitousDelay < .zero { found.append(.negativeDelay(lowerPriorityGratuitousDelay)) }
        if lowerPriorityGratuitousRepeat < 0 { found.append(.negativeGratuitousRepeat(lowerPriorityGratuitousRepeat)) }
        return found
    }

    private var intervalFitsVersion: Bool {
        guard advertInterval > .zero else { return false }
        let nanoseconds = advertInterval.nanoseconds
        switch version {
        case .v2:
            return nanoseconds % 1_000_000_000 == 0 && nanoseconds / 1_000_000_000 <= 255
        case .v3:
            return nanoseconds % 10_000_000 == 0 && nanoseconds / 10_000_000 <= 0x0FFF
        }
    }
}
