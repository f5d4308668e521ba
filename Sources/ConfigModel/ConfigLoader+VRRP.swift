import NetTypes

/// A `[[vrrp]]` as read, before its required keys and the checks that span keys are done.
struct VRRPDraft {
    var name: String?
    var nameLine = 0
    var interface: String?
    var virtualRouterID: Int?
    var virtualAddresses: [IPNetwork]?
    /// Every key that has a default, so the defaults live in ``VRRPConfig/init`` only; the required keys above
    /// replace its placeholders.
    var settings: VRRPConfig
    var trackScripts: [TrackScriptDraft] = []
    /// Line of the `[[vrrp]]` header.
    var line: Int

    init(line: Int) {
        self.line = line
        settings = VRRPConfig(name: "", interface: "", virtualRouterID: 0, virtualAddresses: [], line: line)
    }

    /// The finished instance, or nil when a required key is missing (already reported).
    var config: VRRPConfig? {
        let scripts = trackScripts.compactMap(\.config)
        guard let name, let interface, let virtualRouterID, let virtualAddresses, scripts.count == trackScripts.count
        else { return nil }
        var config = settings
        config.name = name
        config.interface = interface
        config.virtualRouterID = virtualRouterID
        config.virtualAddresses = virtualAddresses
        config.trackScripts = scripts
        return config
    }
}

/// A `[[vrrp.track_script]]` as read.
struct TrackScriptDraft {
    var name: String?
    var nameLine = 0
    var script: String?
    var interval = Duration.seconds(2)
    /// Nil until set: the default is the interval, which may be written after it.
    var timeout: Duration?
    var fall = 1
    var rise = 1
    var weight = 0
    /// Line of `weight`, or of the header when it is left at 0.
    var weightLine: Int
    /// Line of the `[[vrrp.track_script]]` header.
    var line: Int

    init(line: Int) {
        self.line = line
        weightLine = line
    }

    var config: TrackScriptConfig? {
        guard let name, let script else { return nil }
        return TrackScriptConfig(
            name: name, script: script, interval: interval, timeout: timeout, fall: fall, rise: rise, weight: weight,
            line: line)
    }
}

extension ConfigLoader {
    /// keepalived's `vrrp_instance` keys under pgfloat's names; see etc/pgfloat.toml for each one's meaning.
    static var vrrpSchema: TableSchema<VRRPDraft> {
        TableSchema([
            KeyRule("name", required: true) { field, vrrp in
                vrrp.name = field.identifier()
                vrrp.nameLine = field.line
            },
            .value("interface", required: true, \.interface) { $0.interfaceName() },
            // RFC 5798 5.2.3: VRID 1...255.
            .value("virtual_router_id", required: true, \.virtualRouterID) { $0.integer(in: 1...255) },
            // RFC 5798 5.2.4: 0 is reserved for a master that resigns; 255 for the address owner.
            .value("priority", \.settings.priority) { $0.integer(in: 1...255) },
            .value("advert_interval", \.settings.advertInterval) { $0.duration() },
            .value("version", \.settings.version) { $0.vrrpVersion() },
            .value("preempt", \.settings.preempt) { $0.boolean() },
            .value("preempt_delay", \.settings.preemptDelay) { $0.duration(allowZero: true, maximum: .seconds(1000)) },
            .value("virtual_addresses", required: true, \.virtualAddresses) { $0.virtualAddresses() },
            .value("virtual_address_label", \.settings.virtualAddressLabel) { $0.string(expected: "a label string") },
            .value("unicast_source", \.settings.unicastSource) { $0.ipAddress() },
            .value("unicast_peers", \.settings.unicastPeers) { $0.ipAddresses() },
            .value("authentication", \.settings.authentication) { $0.vrrpPassword() },
            .value("v3_checksum_as_v2", \.settings.v3ChecksumAsV2) { $0.boolean() },
            .value("unicast_ttl_check", \.settings.unicastTTLCheck) { $0.boolean() },
            .value("garp_master_delay", \.settings.garpMasterDelay) { $0.duration(allowZero: true) },
            .value("garp_master_repeat", \.settings.garpMasterRepeat) { $0.integer(in: 1...100) },
            .value("garp_master_refresh", \.settings.garpMasterRefresh) { $0.duration(allowZero: true) },
            .value("garp_lower_prio_repeat", \.settings.garpLowerPriorityRepeat) { $0.integer(in: 0...100) },
            .value("garp_lower_prio_delay", \.settings.garpLowerPriorityDelay) { $0.duration(allowZero: true) },
            .value("higher_prio_send_advert", \.settings.higherPriorityAdvert) { $0.boolean() },
            .value("track_proxy", \.settings.trackProxy) { $0.trackProxy() },
            .value("track_proxy_silence", \.settings.trackProxySilence) { $0.proxySilence() },
            .value("track_proxy_fall", \.settings.trackProxyFall) { $0.integer(in: 1...100) },
            .value("track_proxy_rise", \.settings.trackProxyRise) { $0.integer(in: 1...100) },
            .value("track_backends", \.settings.trackBackends) { $0.integer(in: priorityPenalties) },
            .value("track_interface", \.settings.trackInterfaces) { $0.interfaceNames() },
            .value("notify_master", \.settings.notifyMaster) { $0.commandLine() },
            .value("notify_backup", \.settings.notifyBackup) { $0.commandLine() },
            .value("notify_fault", \.settings.notifyFault) { $0.commandLine() },
            .value("notify_stop", \.settings.notifyStop) { $0.commandLine() },
            .value("notify", \.settings.notify) { $0.commandLine() },
            .value("notify_timeout", \.settings.notifyTimeout) { $0.duration() },
            KeyRule("track_script") { field, vrrp in
                vrrp.trackScripts = field.arrayOfTables(trackScriptSchema) { TrackScriptDraft(line: $0) }
            },
        ])
    }

    /// keepalived's `vrrp_script` keys, one script per table, owned by the enclosing `[[vrrp]]`.
    static var trackScriptSchema: TableSchema<TrackScriptDraft> {
        TableSchema([
            KeyRule("name", required: true) { field, script in
                script.name = field.identifier()
                script.nameLine = field.line
            },
            .value("script", required: true, \.script) { $0.commandLine() },
            .value("interval", \.interval) { $0.duration() },
            .value("timeout", \.timeout) { $0.duration() },
            .value("fall", \.fall) { $0.integer(in: 1...100) },
            .value("rise", \.rise) { $0.integer(in: 1...100) },
            KeyRule("weight") { field, script in
                if let weight = field.integer(in: scriptWeights) { script.weight = weight }
                script.weightLine = field.line
            },
        ])
    }

    /// The heartbeat is sent every 200 ms, so a shorter silence limit would count a healthy proxy as failing
    /// whenever one answer is a little late.
    static let minimumProxySilence = Duration.milliseconds(400)

    /// A tracked failure may lower the priority by 1...253 (keepalived's bound), never to 0, which only a
    /// resigning master sends.
    static let priorityPenalties = -253...(-1)

    /// keepalived's bound on track script weights: no weight turns a priority 1...254 router into the owner.
    static let scriptWeights = -253...253
}

/// Readers for values only `[[vrrp]]` has.
extension Field {
    /// The VRRPv2 simple-text password fills the 8-byte authentication field (RFC 2338 5.3.10).
    static let maxVRRPPasswordBytes = 8

    /// At most this many addresses fit the one-byte count field of an advert (RFC 5798 5.2.5).
    static let maxVirtualAddresses = 255

    func vrrpVersion() -> VRRPConfig.Version? {
        guard let number = value.int else {
            reportWrongType(expected: "version 2 or 3")
            return nil
        }
        guard let version = VRRPConfig.Version(rawValue: number) else {
            report("expected version 2 or 3, got \(number)")
            return nil
        }
        return version
    }

    /// A non-empty array of prefixes of one family (RFC 5798 5.2.9), each address once whatever its length.
    func virtualAddresses() -> [IPNetwork]? {
        guard let array = nonEmptyArray(expected: "an array of address strings", element: "virtual address") else {
            return nil
        }
        guard array.count <= Self.maxVirtualAddresses else {
            report("\(array.count) virtual addresses; one advert carries at most \(Self.maxVirtualAddresses)")
            return nil
        }
        let parsed = array.map { element($0).ipNetwork() }
        guard !parsed.contains(nil) else { return nil }
        let networks = parsed.compactMap { $0 }
        if let first = networks.first,
            let other = networks.first(where: { $0.address.family != first.address.family })
        {
            report(
                "\(other) is \(other.address.family.name) but \(first) is \(first.address.family.name); an instance "
                    + "holds one address family, so put the others in a second [[vrrp]]")
            return nil
        }
        return distinct(networks, by: \.address)
    }

    func vrrpPassword() -> String? {
        guard let password = string(expected: "a password string") else { return nil }
        let length = password.utf8.count
        guard (1...Self.maxVRRPPasswordBytes).contains(length) else {
            report("the password is \(length) bytes; VRRPv2 carries 1...\(Self.maxVRRPPasswordBytes)")
            return nil
        }
        return password
    }

    /// `track_proxy_silence`: a duration of at least ``ConfigLoader/minimumProxySilence``.
    func proxySilence() -> Duration? {
        guard let silence = duration() else { return nil }
        let minimum = ConfigLoader.minimumProxySilence
        guard silence >= minimum else {
            report(
                "expected a duration of at least \(DurationParser.text(minimum)), got \"\(value.string ?? "")\"; "
                    + "the heartbeat is sent every 200ms")
            return nil
        }
        return silence
    }

    /// `"fault"`, `"off"`, or a negative weight as an integer.
    func trackProxy() -> TrackProxy? {
        let expected = "\"fault\", \"off\" or a weight in \(ConfigLoader.priorityPenalties)"
        if let weight = value.int {
            guard ConfigLoader.priorityPenalties.contains(weight) else {
                report("expected \(expected), got \(weight)")
                return nil
            }
            return .weight(weight)
        }
        guard let text = value.string else {
            reportWrongType(expected: expected)
            return nil
        }
        switch text {
        case "fault": return .fault
        case "off": return .off
        default:
            report("expected \(expected), got \"\(text)\"")
            return nil
        }
    }
}

extension IPAddress.Family {
    /// "IPv4" or "IPv6", for messages.
    var name: String {
        switch self {
        case .v4: return "IPv4"
        case .v6: return "IPv6"
        }
    }
}
