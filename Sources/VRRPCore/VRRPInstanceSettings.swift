import NetTypes

/// The configuration of one VRRP instance, in protocol terms; the daemon's config loader maps its file onto it.
///
/// Check `problems` before use: `VirtualRouter` and `validate` assume a value without any.
public struct VRRPInstanceSettings: Hashable, Sendable {
    /// The instance name, for notify hooks and logs (keepalived's `vrrp_instance NAME`).
    public var name: String
    /// The Virtual Router Identifier, 1...255 (RFC 5798 5.2.3).
    public var vrid: UInt8
    /// The configured priority, 1...255; 255 marks the address owner (RFC 5798 5.2.4). Tracking adjusts the
    /// effective priority, see `VirtualRouter.setPriorityAdjustment`.
    public var priority: UInt8
    /// Advertisement_Interval (RFC 5798 6.1): whole seconds 1...255 for VRRPv2, whole centiseconds 10 ms...40.95 s
    /// for VRRPv3.
    public var advertInterval: Duration
    /// VRRPv2 (RFC 3768, IPv4 only) or VRRPv3 (RFC 5798).
    public var version: VRRPVersion
    /// Preempt_Mode (RFC 5798 6.1): whether a backup takes over from a lower-priority master.
    public var preempt: Bool
    /// keepalived's `preempt_delay`: how long a backup keeps accepting a lower-priority master, counted from the
    /// first such advert it sees since entering backup, before it preempts. Zero preempts at once.
    public var preemptDelay: Duration
    /// The virtual addresses, with the prefix length to configure them with; all of the primary address's family.
    public var virtualAddresses: [IPNetwork]
    /// The VRRPv2 simple-text password (keepalived `auth_type PASS`), 1...8 bytes; nil for no authentication.
    public var authentication: String?
    /// Send VRRPv3-over-IPv4 checksums without the pseudo-header (RFC 9568 style); both forms are accepted anyway.
    public var v3ChecksumAsV2: Bool
    /// Demand TTL 255 of adverts that arrive by unicast too. keepalived does not, so the default is false.
    public var unicastTTLCheck: Bool
    /// Multicast, or unicast to a list of peers; `validate` accepts adverts only as this transport brings them.
    public var transport: VRRPTransport
    /// This node's address on the VRRP link: the source of its adverts, compared on equal priority (RFC 5798 6.4.3)
    /// and used to spot its own adverts looped back. It also sets the instance's address family.
    public var primaryAddress: IPAddress
    /// keepalived's `garp_master_delay`: after becoming master, announce the addresses again after this delay,
    /// for switches that missed the first burst. Zero sends one burst only.
    public var gratuitousRepeatDelay: Duration

    // What a master does on hearing a lower-priority master (keepalived's `garp_lower_prio_*`); set after `init`.
    /// keepalived's `garp_lower_prio_repeat`: a master that hears a lower-priority master announces the addresses
    /// at once, this many frames per address, since clients may hold the other master's MAC. Zero sends nothing.
    public var lowerPriorityGratuitousRepeat = 5
    /// keepalived's `garp_lower_prio_delay`: that burst is sent again after this delay, counted from the last
    /// lower-priority advert. Zero sends one burst only.
    public var lowerPriorityGratuitousDelay = Duration.seconds(5)
    /// keepalived's `higher_prio_send_advert`: a master that hears a better master advertises once before it
    /// steps down, so that the winner re-announces the addresses. Off by default, as in keepalived.
    public var advertBeforeYielding = false

    /// Defaults follow keepalived: priority 100, one-second adverts, VRRPv2, preempt without delay, a second
    /// gratuitous burst after five seconds.
    public init(
        name: String, vrid: UInt8, priority: UInt8 = 100, advertInterval: Duration = .seconds(1),
        version: VRRPVersion = .v2, preempt: Bool = true, preemptDelay: Duration = .zero,
        virtualAddresses: [IPNetwork], authentication: String? = nil, v3ChecksumAsV2: Bool = false,
        unicastTTLCheck: Bool = false, transport: VRRPTransport = .multicast, primaryAddress: IPAddress,
        gratuitousRepeatDelay: Duration = .seconds(5)
    ) {
        self.name = name
        self.vrid = vrid
        self.priority = priority
        self.advertInterval = advertInterval
        self.version = version
        self.preempt = preempt
        self.preemptDelay = preemptDelay
        self.virtualAddresses = virtualAddresses
        self.authentication = authentication
        self.v3ChecksumAsV2 = v3ChecksumAsV2
        self.unicastTTLCheck = unicastTTLCheck
        self.transport = transport
        self.primaryAddress = primaryAddress
        self.gratuitousRepeatDelay = gratuitousRepeatDelay
    }

    /// The instance's address family, that of the primary address.
    public var family: IPAddress.Family { primaryAddress.family }

    /// The authentication this instance sends and demands.
    public var expectedAuthentication: VRRPAuthentication {
        authentication.map { VRRPAuthentication.simpleText(password: $0) } ?? .none
    }

    /// The advert this instance sends at `priority`: its effective priority, or 0 when resigning.
    public func advertisement(priority: UInt8) -> VRRPPacket {
        let format: VRRPPacket.Format
        switch version {
        case .v2:
            let seconds = advertInterval.nanoseconds / 1_000_000_000
            format = .v2(advertIntervalSeconds: UInt8(clamping: seconds), authentication: expectedAuthentication)
        case .v3:
            let centiseconds = advertInterval.nanoseconds / 10_000_000
            format = .v3(maxAdvertIntervalCentiseconds: UInt16(clamping: centiseconds))
        }
        return VRRPPacket(vrid: vrid, priority: priority, addresses: virtualAddresses.map(\.address), format: format)
    }
}
