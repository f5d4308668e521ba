import NetTypes

/// Checks of `[[vrrp]]` that need more than one key or more than one instance. Each reports on the line of the key
/// that has to change; a key left at its default points at the `[[vrrp]]` header.
extension ConfigLoader {
    static func checkVRRP(_ instances: [VRRPDraft], diagnostics: Diagnostics) {
        var nameLines: [String: Int] = [:]
        var routers: [VirtualRouterKey: (label: String, line: Int)] = [:]
        for (index, vrrp) in instances.enumerated() {
            let location = TableLocation(name: "vrrp", occurrence: index)
            let report = { (key: String, message: String) in
                diagnostics.report(
                    key: location.qualified(key), line: diagnostics.line(of: location, key: key), message)
            }
            if let name = vrrp.name {
                if let first = nameLines[name] {
                    report("name", "duplicate vrrp instance name \"\(name)\"; first defined on line \(first)")
                } else {
                    nameLines[name] = vrrp.nameLine
                }
            }
            // RFC 5798 7.3: the VRID picks the virtual MAC, which is per family; IPv4 and IPv6 may share a VRID.
            if let interface = vrrp.interface, let id = vrrp.virtualRouterID, let family = vrrp.family {
                let key = VirtualRouterKey(interface: interface, id: id, family: family)
                let line = diagnostics.line(of: location, key: "virtual_router_id")
                if let owner = routers[key] {
                    report(
                        "virtual_router_id",
                        "virtual router id \(id) is already used on \"\(interface)\" for \(family.name) by "
                            + "\(owner.label) on line \(owner.line)")
                } else {
                    routers[key] = (vrrp.name.map { "vrrp instance \"\($0)\"" } ?? "another vrrp instance", line)
                }
            }
            checkVersion(of: vrrp, report: report)
            checkUnicast(of: vrrp, report: report)
            checkLabel(of: vrrp, report: report)
            checkOwnerTracking(of: vrrp, in: location, diagnostics: diagnostics, report: report)
            checkTrackScriptNames(vrrp.trackScripts, in: location, diagnostics: diagnostics)
        }
    }

    /// What one version cannot carry: VRRPv2 has whole seconds, IPv4 only and a password; VRRPv3 centiseconds.
    private static func checkVersion(of vrrp: VRRPDraft, report: (String, String) -> Void) {
        let interval = vrrp.settings.advertInterval
        let (seconds, attoseconds) = interval.components
        let written = "\"\(DurationParser.text(interval))\""
        switch vrrp.settings.version {
        case .v2:
            // RFC 3768 5.3.7: Adver Int is an 8-bit count of seconds.
            if attoseconds != 0 || !(1...255).contains(seconds) {
                report("advert_interval", "VRRPv2 sends whole seconds from 1s to 255s, got \(written)")
            }
            if vrrp.family == .v6 {
                report("virtual_addresses", "VRRPv2 is IPv4 only; use version = 3 for IPv6 addresses")
            }
            if vrrp.settings.v3ChecksumAsV2 {
                report("v3_checksum_as_v2", "applies to VRRPv3 over IPv4 only, and this instance uses version 2")
            }
        case .v3:
            // RFC 5798 5.2.7: Max Adver Int is a 12-bit count of centiseconds.
            let attosecondsPerCentisecond: Int64 = 10_000_000_000_000_000
            let centiseconds = seconds * 100 + attoseconds / attosecondsPerCentisecond
            if attoseconds % attosecondsPerCentisecond != 0 || seconds > 40 || !(1...0x0FFF).contains(centiseconds) {
                report("advert_interval", "VRRPv3 sends a multiple of 10ms from 10ms to 40950ms, got \(written)")
            }
            // RFC 5798 9: authentication was removed in VRRPv3.
            if vrrp.settings.authentication != nil {
                report("authentication", "VRRPv3 has no authentication (RFC 5798 9); remove it or set version = 2")
            }
            if vrrp.settings.v3ChecksumAsV2, vrrp.family == .v6 {
                report("v3_checksum_as_v2", "applies to VRRPv3 over IPv4 only, and this instance's addresses are IPv6")
            }
        }
    }

    /// The advert source and the peers speak the family of the virtual addresses (RFC 5798 5.2.9).
    private static func checkUnicast(of vrrp: VRRPDraft, report: (String, String) -> Void) {
        guard let family = vrrp.family else { return }
        if let source = vrrp.settings.unicastSource, source.family != family {
            report("unicast_source", "\(source) is \(source.family.name) but the virtual addresses are \(family.name)")
        }
        for peer in vrrp.settings.unicastPeers {
            if peer.family != family {
                report(
                    "unicast_peers",
                    "peer \(peer) is \(peer.family.name) but the virtual addresses are \(family.name)")
            } else if peer == vrrp.settings.unicastSource {
                report("unicast_peers", "peer \(peer) is this node's own unicast_source")
            }
        }
    }

    /// The kernel takes an IPv4 address label only if it starts with the device name and fits IFNAMSIZ.
    private static func checkLabel(of vrrp: VRRPDraft, report: (String, String) -> Void) {
        guard let label = vrrp.settings.virtualAddressLabel else { return }
        if vrrp.family == .v6 {
            report("virtual_address_label", "labels exist for IPv4 addresses only")
            return
        }
        let maximum = Field.maxInterfaceNameBytes
        if label.utf8.count > maximum {
            report(
                "virtual_address_label",
                "label \"\(label)\" is \(label.utf8.count) bytes; the kernel takes at most \(maximum)")
        }
        if let interface = vrrp.interface, !label.hasPrefix(interface + ":") || label.count == interface.count + 1 {
            report(
                "virtual_address_label",
                "label \"\(label)\" must be the interface name, \":\" and a suffix, like \"\(interface):vip\"")
        }
    }

    /// RFC 5798 5.2.4: priority 255 is the address owner. keepalived never changes its priority and refuses
    /// weighted tracking there; FAULT (track_proxy = "fault", a weight-0 script) still applies.
    private static func checkOwnerTracking(
        of vrrp: VRRPDraft, in instance: TableLocation, diagnostics: Diagnostics, report: (String, String) -> Void
    ) {
        guard vrrp.settings.priority == 255 else { return }
        let message = "a priority 255 instance owns its addresses and tracking never changes its priority; "
            + "remove the weight, or lower the priority"
        if vrrp.settings.trackBackends != nil { report("track_backends", message) }
        if case .weight = vrrp.settings.trackProxy { report("track_proxy", message) }
        for script in vrrp.trackScripts where script.weight != 0 {
            diagnostics.report(key: instance.qualified("track_script.weight"), line: script.weightLine, message)
        }
    }

    private static func checkTrackScriptNames(
        _ scripts: [TrackScriptDraft], in instance: TableLocation, diagnostics: Diagnostics
    ) {
        var nameLines: [String: Int] = [:]
        for script in scripts {
            guard let name = script.name else { continue }
            if let first = nameLines[name] {
                diagnostics.report(
                    key: instance.qualified("track_script.name"), line: script.nameLine,
                    "duplicate track script name \"\(name)\" in this instance; first defined on line \(first)")
            } else {
                nameLines[name] = script.nameLine
            }
        }
    }
}

/// What must be unique among instances: two routers with one VRID on one link and family would elect each other.
private struct VirtualRouterKey: Hashable {
    var interface: String
    var id: Int
    var family: IPAddress.Family
}

extension VRRPDraft {
    /// The family of the virtual addresses; nil when they failed to read.
    var family: IPAddress.Family? { virtualAddresses?.first?.address.family }
}
