import NetTypes

/// Readers for the link-level values of `[[vrrp]]`: IP addresses without ports, prefixes and interface names.
extension Field {
    /// Linux's IFNAMSIZ less the terminating NUL: the longest interface name, and the longest address label.
    static let maxInterfaceNameBytes = 15

    /// "ADDRESS/LENGTH" or a bare address (a host prefix), with the host bits kept.
    func ipNetwork() -> IPNetwork? {
        guard let text = string(expected: "an address string like \"10.0.0.100/24\"") else { return nil }
        if let network = IPNetwork(text) { return network }
        let address = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if let address = IPAddress(String(address)) {
            let maximum = address.family == .v4 ? 32 : 128
            report("invalid prefix length in \"\(text)\"; expected 0...\(maximum) after the \"/\"")
        } else {
            report("\"\(text)\" is not an IPv4 or IPv6 address, with an optional \"/\" and prefix length")
        }
        return nil
    }

    /// One IPv4 or IPv6 address, without brackets, port or prefix length.
    func ipAddress() -> IPAddress? {
        guard let text = string(expected: "an address string like \"10.0.0.1\"") else { return nil }
        guard let address = IPAddress(text) else {
            report("\"\(text)\" is not an IPv4 or IPv6 address")
            return nil
        }
        return address
    }

    /// A non-empty array of addresses, each written once.
    func ipAddresses() -> [IPAddress]? {
        guard let array = nonEmptyArray(expected: "an array of address strings", element: "address") else {
            return nil
        }
        let addresses = array.map { element($0).ipAddress() }
        guard !addresses.contains(nil) else { return nil }
        return distinct(addresses.compactMap { $0 }, by: \.self)
    }

    /// A Linux interface name: what the kernel's `dev_valid_name` accepts.
    func interfaceName() -> String? {
        guard let name = string(expected: "an interface name string") else { return nil }
        let isValid = !name.isEmpty && name.utf8.count <= Self.maxInterfaceNameBytes && name != "." && name != ".."
            && !name.contains { $0 == "/" || $0 == ":" || $0.isWhitespace }
        guard isValid else {
            report(
                "invalid interface name \"\(name)\"; use 1...\(Self.maxInterfaceNameBytes) bytes without \"/\", "
                    + "\":\" or spaces")
            return nil
        }
        return name
    }

    /// An array of interface names, possibly empty, each written once.
    func interfaceNames() -> [String]? {
        guard let array = value.array else {
            reportWrongType(expected: "an array of interface names")
            return nil
        }
        let names = array.map { element($0).interfaceName() }
        guard !names.contains(nil) else { return nil }
        return distinct(names.compactMap { $0 }, by: \.self)
    }

    /// `values`, or nil after reporting each value whose `identity` an earlier one already has.
    func distinct<Value, Identity: Hashable & CustomStringConvertible>(
        _ values: [Value], by identity: (Value) -> Identity
    ) -> [Value]? {
        var seen: Set<Identity> = []
        var isDistinct = true
        for value in values where !seen.insert(identity(value)).inserted {
            report("\(identity(value)) is listed twice")
            isDistinct = false
        }
        return isDistinct ? values : nil
    }
}
