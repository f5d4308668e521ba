import NetTypes

/// One `[[vrrp]]`: a VRRP instance (keepalived's `vrrp_instance`) that holds virtual addresses on one interface.
///
/// Values are validated as a set: one address family, an advert interval the version can carry, authentication
/// only with VRRPv2. The VRRP driver maps this onto its protocol settings without checking them again.
public struct VRRPConfig: Sendable, Equatable {
    /// The protocol an instance speaks; keepalived runs one per instance.
    public enum Version: Int, Sendable, Equatable, CaseIterable {
        /// RFC 3768: IPv4 only, whole-second adverts, an optional simple-text password.
        case v2 = 2
        /// RFC 5798: IPv4 or IPv6, adverts in centiseconds, no authentication.
        case v3 = 3
    }

    /// Unique among instances; given to notify scripts and used in logs and metrics.
    public var name: String
    /// The interface the adverts go out on and the virtual addresses are added to.
    public var interface: String
    /// VRID, 1...255 (RFC 5798 5.2.3); unique per interface and address family.
    public var virtualRouterID: Int
    /// 1...255; 255 means this node owns the addresses (RFC 5798 5.2.4).
    public var priority: Int
    /// Advertisement_Interval (RFC 5798 6.1): whole seconds 1...255 for VRRPv2, a multiple of 10 ms from 10 ms to
    /// 40.95 s for VRRPv3.
    public var advertInterval: Duration
    public var version: Version
    /// Preempt_Mode (RFC 5798 6.1): whether a backup takes over from a lower-priority master.
    public var preempt: Bool
    /// How long a backup waits before preempting a lower-priority master; zero preempts at once.
    public var preemptDelay: Duration
    /// The virtual addresses with the prefix length they are added with; at least one, all of one family, each
    /// address once.
    public var virtualAddresses: [IPNetwork]
    /// keepalived's `label`: the IPv4 label the addresses get (`eth0:vip`), so `ifconfig`-era tools show them.
    public var virtualAddressLabel: String?
    /// The source address of adverts; nil takes the interface's primary address of the family.
    public var unicastSource: IPAddress?
    /// Peers adverts are sent to by unicast; empty sends them to the VRRP multicast group.
    public var unicastPeers: [IPAddress]
    /// The VRRPv2 simple-text password, 1...8 bytes; nil for none.
    public var authentication: String?
    /// VRRPv3 over IPv4: send checksums without the pseudo-header, as VRRPv2 does (RFC 9568 style).
    public var v3ChecksumAsV2: Bool
    /// Demand TTL 255 of adverts received by unicast too (RFC 5798 5.1.1.3 asks it of multicast ones).
    public var unicastTTLCheck: Bool
    /// After becoming master, announce the addresses again (gratuitous ARP, unsolicited NA) after this delay;
    /// zero sends one burst only.
    public var garpMasterDelay: Duration
    /// Gratuitous ARPs (or unsolicited NAs) per burst, 1...100.
    public var garpMasterRepeat: Int
    /// While master, repeat the burst this often; zero never repeats it.
    public var garpMasterRefresh: Duration
    /// A master that hears a lower-priority master announces the addresses at once with this many frames per
    /// address, 0...100 (keepalived's `garp_lower_prio_repeat`); zero announces nothing.
    public var garpLowerPriorityRepeat = 5
    /// That announcement is repeated this long after the last lower-priority advert (keepalived's
    /// `garp_lower_prio_delay`); zero sends it once only.
    public var garpLowerPriorityDelay = Duration.seconds(5)
    /// A master that hears a higher-priority master advertises once more before it steps down, so that the
    /// winner announces the addresses again (keepalived's `higher_prio_send_advert`). On by default, unlike
    /// keepalived: whichever side of a healed partition hears the other first, clients are moved at once.
    public var higherPriorityAdvert = true
    /// What a failing local proxy does to this instance.
    public var trackProxy: TrackProxy
    // `track_proxy` hysteresis, observed every 200 ms tracking period.
    /// A data plane that has not answered the heartbeat for longer than this is failing; at least 400 ms.
    public var trackProxySilence = Duration.milliseconds(700)
    /// Consecutive failing observations before the proxy counts as failed, 1...100.
    public var trackProxyFall = 1
    /// Consecutive good observations before a failed proxy counts as working again, 1...100.
    public var trackProxyRise = 5
    /// Priority change, -253...-1, while no listener has an eligible server; nil does not track them. Not allowed
    /// at priority 255, whose priority never changes.
    public var trackBackends: Int?
    /// Interfaces whose link going down puts this instance in FAULT.
    public var trackInterfaces: [String]
    /// Command lines run on entering MASTER, BACKUP and FAULT, and on stopping; the first word is an absolute
    /// path and the line is kept as written.
    public var notifyMaster: String?
    public var notifyBackup: String?
    public var notifyFault: String?
    public var notifyStop: String?
    /// Run on every transition with keepalived's arguments: `INSTANCE name STATE priority`.
    public var notify: String?
    /// How long a notify script may run before it is killed.
    public var notifyTimeout: Duration
    /// Scripts whose result changes the priority, or puts the instance in FAULT, in file order.
    public var trackScripts: [TrackScriptConfig]
    /// Line of the `[[vrrp]]` header.
    public var line: Int

    public init(
        name: String, interface: String, virtualRouterID: Int, priority: Int = 100,
        advertInterval: Duration = .seconds(1), version: Version = .v3, preempt: Bool = true,
        preemptDelay: Duration = .zero, virtualAddresses: [IPNetwork], virtualAddressLabel: String? = nil,
        unicastSource: IPAddress? = nil, unicastPeers: [IPAddress] = [], authentication: String? = nil,
        v3ChecksumAsV2: Bool = false, unicastTTLCheck: Bool = false, garpMasterDelay: Duration = .seconds(5),
        garpMasterRepeat: Int = 5, garpMasterRefresh: Duration = .seconds(60), trackProxy: TrackProxy = .fault,
        trackBackends: Int? = nil, trackInterfaces: [String] = [], notifyMaster: String? = nil,
        notifyBackup: String? = nil, notifyFault: String? = nil, notifyStop: String? = nil, notify: String? = nil,
        notifyTimeout: Duration = .seconds(10), trackScripts: [TrackScriptConfig] = [], line: Int = 0
    ) {
        self.name = name
        self.interface = interface
        self.virtualRouterID = virtualRouterID
        self.priority = priority
        self.advertInterval = advertInterval
        self.version = version
        self.preempt = preempt
        self.preemptDelay = preemptDelay
        self.virtualAddresses = virtualAddresses
        self.virtualAddressLabel = virtualAddressLabel
        self.unicastSource = unicastSource
        self.unicastPeers = unicastPeers
        self.authentication = authentication
        self.v3ChecksumAsV2 = v3ChecksumAsV2
        self.unicastTTLCheck = unicastTTLCheck
        self.garpMasterDelay = garpMasterDelay
        self.garpMasterRepeat = garpMasterRepeat
        self.garpMasterRefresh = garpMasterRefresh
        self.trackProxy = trackProxy
        self.trackBackends = trackBackends
        self.trackInterfaces = trackInterfaces
        self.notifyMaster = notifyMaster
        self.notifyBackup = notifyBackup
        self.notifyFault = notifyFault
        self.notifyStop = notifyStop
        self.notify = notify
        self.notifyTimeout = notifyTimeout
        self.trackScripts = trackScripts
        self.line = line
    }

    /// The family of the virtual addresses, which the loader checks are all of one family.
    public var family: IPAddress.Family { virtualAddresses.first?.address.family ?? .v4 }

    /// Whether adverts go to `unicastPeers` rather than the multicast group.
    public var isUnicast: Bool { !unicastPeers.isEmpty }
}

/// How an instance follows the health of this node's own proxy.
public enum TrackProxy: Sendable, Equatable {
    /// A failed proxy puts the instance in FAULT, so the addresses move to a node whose proxy works.
    case fault
    /// The proxy's health does not affect the instance.
    case off
    /// A failed proxy lowers the priority by this much, -253...-1 (keepalived's negative `weight`); not allowed at
    /// priority 255.
    case weight(Int)
}

/// One `[[vrrp.track_script]]`: a command run at an interval whose exit status tracks something the instance
/// depends on (keepalived's `vrrp_script`), with rise/fall hysteresis.
public struct TrackScriptConfig: Sendable, Equatable {
    /// Unique within its instance; used in logs.
    public var name: String
    /// The command line: the first word is an absolute path; run without a shell, as `script_user`.
    public var script: String
    public var interval: Duration
    /// How long one run may take before it counts as failed.
    public var timeout: Duration
    /// Consecutive failures that make the script count as failed.
    public var fall: Int
    /// Consecutive successes that make it count as succeeded again.
    public var rise: Int
    /// -253...253: a positive weight adds to the priority while the script succeeds, a negative one subtracts
    /// while it fails; 0 puts the instance in FAULT while it fails, as keepalived does. Only 0 at priority 255.
    public var weight: Int
    /// Line of the `[[vrrp.track_script]]` header.
    public var line: Int

    public init(
        name: String, script: String, interval: Duration = .seconds(2), timeout: Duration? = nil, fall: Int = 1,
        rise: Int = 1, weight: Int = 0, line: Int = 0
    ) {
        self.name = name
        self.script = script
        self.interval = interval
        self.timeout = timeout ?? interval
        self.fall = fall
        self.rise = rise
        self.weight = weight
        self.line = line
    }
}

/// Whether an instance's `unicast_source` belongs to the host it runs on.
public enum UnicastSourceLocality: Equatable, Sendable {
    /// One of the host's addresses, or no `unicast_source` at all.
    case local
    /// Not an address of this host: a file copied from another node, whose adverts every node would drop as its
    /// own, so that all of them become master.
    case notLocal(IPAddress)
    /// The instance's interface does not exist here (a file checked on another host): no verdict.
    case unknownInterface(String)
}

extension VRRPConfig {
    /// Compares `unicastSource` with the host's addresses, keyed by interface name (every interface, even one
    /// without addresses). Any interface's address will do, as the kernel sends from any local address.
    public func unicastSourceLocality(hostAddresses: [String: [IPAddress]]) -> UnicastSourceLocality {
        guard let source = unicastSource else { return .local }
        if hostAddresses.values.contains(where: { $0.contains(source) }) { return .local }
        guard hostAddresses[interface] != nil else { return .unknownInterface(interface) }
        return .notLocal(source)
    }

    /// `pgfloat check`'s line about `unicastSource` on this host, at the instance's header line; nil when local.
    /// A warning rather than an error: the unit's `ExecStartPre` runs the check, and the proxy must still start.
    public func unicastSourceWarning(path: String, hostAddresses: [String: [IPAddress]]) -> String? {
        guard let source = unicastSource else { return nil }
        let location = "\(path):\(line): vrrp.unicast_source:"
        switch unicastSourceLocality(hostAddresses: hostAddresses) {
        case .local:
            return nil
        case .notLocal:
            return "\(location) warning: \(source) is not an address of this host; pgfloat run refuses instance "
                + "\"\(name)\" here"
        case .unknownInterface(let interface):
            return "\(location) note: cannot tell whether \(source) is an address of "
                + "this host: interface \"\(interface)\" of instance \"\(name)\" does not exist here"
        }
    }
}
