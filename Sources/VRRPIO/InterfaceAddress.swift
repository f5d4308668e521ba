import NetTypes

/// One address the kernel holds on an interface, as an rtnetlink address dump reports it.
public struct InterfaceAddress: Hashable, Sendable, CustomStringConvertible {
    /// The local address and its prefix length.
    public var network: IPNetwork
    /// The IPv4 label ("eth0" or an alias such as "eth0:vip"); nil for IPv6, which has none.
    public var label: String?
    /// `IFA_F_SECONDARY`: an IPv4 address inside the prefix of an earlier one. It goes away with that primary
    /// unless `promote_secondaries` is set, and it is never the VRRP source address.
    public var isSecondary: Bool
    /// `IFA_F_TENTATIVE`: an IPv6 address still in duplicate address detection; it cannot be bound or used as a
    /// source yet.
    public var isTentative: Bool
    /// Whether the address has link scope, as IPv6 link-local addresses (fe80::/10) do.
    public var isLinkScope: Bool

    public init(network: IPNetwork, label: String?, isSecondary: Bool, isTentative: Bool, isLinkScope: Bool) {
        self.network = network
        self.label = label
        self.isSecondary = isSecondary
        self.isTentative = isTentative
        self.isLinkScope = isLinkScope
    }

    public var description: String {
        var text = network.description
        if let label { text += " label \(label)" }
        if isSecondary { text += " secondary" }
        if isTentative { text += " tentative" }
        return text
    }
}
