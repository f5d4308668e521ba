import ConfigModel

/// The checks of an instance that span its keywords: version and authentication, advert interval, required keys,
/// first state, and its tracked scripts.
extension KeepalivedTranslator {
    mutating func finish(_ draft: InstanceDraft) -> ImportedVRRP? {
        var vrrp = draft.vrrp
        let here = vrrp.origin
        let missing = [
            vrrp.interface == nil ? "interface" : nil, vrrp.virtualRouterID == nil ? "virtual_router_id" : nil,
            vrrp.virtualAddresses.isEmpty ? "virtual_ipaddress" : nil,
        ].compactMap { $0 }
        guard missing.isEmpty else {
            log.warn(here, "vrrp_instance \(vrrp.name) has no \(missing.joined(separator: ", ")); not translated")
            return nil
        }
        vrrp.version =
            vrrp.version ?? defaults.version
            ?? Sourced(
                2, nil,
                remark: "keepalived's default, so keepalived peers understand the adverts; 3 once none is left")
        vrrp.garpMasterDelay = vrrp.garpMasterDelay ?? defaults.garpMasterDelay
        vrrp.garpMasterRepeat = vrrp.garpMasterRepeat ?? defaults.garpMasterRepeat
        vrrp.garpMasterRefresh = vrrp.garpMasterRefresh ?? defaults.garpMasterRefresh
        vrrp.garpLowerPriorityDelay = vrrp.garpLowerPriorityDelay ?? defaults.garpLowerPriorityDelay
        vrrp.garpLowerPriorityRepeat = vrrp.garpLowerPriorityRepeat ?? defaults.garpLowerPriorityRepeat
        vrrp.higherPriorityAdvert = vrrp.higherPriorityAdvert ?? defaults.higherPriorityAdvert
        readAuthentication(draft, into: &vrrp)
        fitAdvertInterval(&vrrp)
        if let label = vrrp.virtualAddressLabel, let interface = vrrp.interface?.value,
            !label.value.hasPrefix(interface + ":") || label.value.utf8.count > 15, let at = label.origin
        {
            log.warn(
                at, "label \(label.value): the kernel takes \"\(interface):\" and a suffix, 15 bytes at most; not kept")
            vrrp.virtualAddressLabel = nil
        }
        if let state = draft.state, let at = state.origin {
            if let nopreempt = draft.nopreempt, state.value == "MASTER" {
                log.warn(
                    nopreempt,
                    "keepalived ignores nopreempt with state MASTER and takes over; pgfloat honours preempt = false")
            } else {
                log.note(at, KeepalivedDirective.state.mapping.why)
            }
        }
        readTrackedScripts(draft, into: &vrrp)
        return vrrp
    }

    private mutating func readAuthentication(_ draft: InstanceDraft, into vrrp: inout ImportedVRRP) {
        guard let type = draft.authType else {
            if let pass = draft.authPass?.origin { log.warn(pass, "auth_pass without auth_type; not translated") }
            return
        }
        switch type.value.uppercased() {
        case "PASS":
            guard let pass = draft.authPass, !pass.value.isEmpty else {
                if let at = type.origin { log.warn(at, "auth_type PASS without auth_pass; no authentication") }
                return
            }
            if vrrp.version?.value == 3 {
                if let at = pass.origin {
                    log.warn(at, "VRRPv3 has no authentication (RFC 5798 9) and keepalived ignores it; not kept")
                }
                return
            }
            // RFC 3768 5.3.6: the field is 8 bytes; keepalived cuts a longer password to them.
            let bytes = Array(pass.value.utf8)
            var password = pass.value
            if bytes.count > 8 {
                password = String(decoding: bytes.prefix(8), as: UTF8.self)
                if let at = pass.origin {
                    log.warn(
                        at,
                        "keepalived sends only the first 8 bytes of the password; pgfloat is given those, "
                            + "\"\(password)\", so the two interoperate")
                }
            }
            vrrp.authentication = Sourced(password, pass.origin)
            if vrrp.version?.origin == nil { vrrp.version?.remark = "authentication needs VRRPv2" }
        case "AH":
            if let at = type.origin {
                log.warn(
                    at,
                    "IPsec AH authentication has no equivalent (RFC 3768 removed it): pgfloat sends none, so "
                        + "keepalived peers using AH will not accept its adverts")
            }
        default:
            if let at = type.origin { log.warn(at, "unknown auth_type \(type.value); no authentication") }
        }
    }

    /// VRRPv2 carries whole seconds, 1...255 (RFC 3768 5.3.7); VRRPv3 centiseconds up to 40.95 s (RFC 5798 5.2.7).
    private mutating func fitAdvertInterval(_ vrrp: inout ImportedVRRP) {
        guard var interval = vrrp.advertInterval, let at = interval.origin else { return }
        let microseconds = Self.microseconds(interval.value)
        let step = vrrp.version?.value == 2 ? 1_000_000 : 10_000
        let maximum = vrrp.version?.value == 2 ? 255_000_000 : 40_950_000
        let fitted = min(max(step, (microseconds + step - 1) / step * step), maximum)
        if fitted != microseconds {
            interval.value = .microseconds(fitted)
            log.warn(
                at,
                "VRRPv\(vrrp.version?.value ?? 2) cannot send \(DurationParser.text(.microseconds(microseconds))); "
                    + "written as \(DurationParser.text(interval.value))")
        }
        vrrp.advertInterval = interval
    }

    static func microseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000)
    }

    private mutating func readTrackedScripts(_ draft: InstanceDraft, into vrrp: inout ImportedVRRP) {
        var names: Set<String> = []
        for entry in draft.tracked {
            guard var definition = scripts[entry.name] else {
                log.warn(entry.origin, "no vrrp_script named \(entry.name); not tracked")
                continue
            }
            definition.isUsed = true
            scripts[entry.name] = definition
            guard let script = definition.script else {
                log.warn(definition.origin, "vrrp_script \(entry.name) has no script; not tracked")
                continue
            }
            let weight = entry.weight ?? definition.weight
            if KeepalivedValues.checksHAProxyRuns(script.value) {
                trackProxy(definition, script: script, weight: weight, into: &vrrp)
                continue
            }
            if script.value.contains("haproxy"), let at = script.origin {
                log.warn(
                    at,
                    "this script checks HAProxy, which pgfloat replaces: after the migration it will fail; pgfloat "
                        + "tracks its own proxy (track_proxy), so remove the script or make it check something else")
            }
            let name = Names.unique(
                entry.name, fallback: "script", taken: names, at: definition.origin, log: &log)
            names.insert(name)
            var imported = ImportedTrackScript(
                name: name, origin: definition.origin, script: script,
                interval: definition.interval ?? Sourced(.seconds(1), nil, remark: "keepalived's default"),
                timeout: definition.timeout, fall: definition.fall, rise: definition.rise, weight: weight)
            if !script.value.hasPrefix("/") {
                imported.commentedOut = true
                if let at = script.origin {
                    log.warn(
                        at,
                        "pgfloat runs scripts by absolute path, without a PATH search: written commented out; fix "
                            + "the path and uncomment it")
                }
            }
            vrrp.trackScripts.append(imported)
        }
        if vrrp.trackProxy == nil {
            log.note(
                vrrp.origin,
                "no tracked script checked HAProxy: with pgfloat's default, track_proxy = \"fault\", this instance "
                    + "gives up its addresses when this node's proxy fails")
        }
    }

    /// keepalived's weight applies while the script succeeds (W > 0) or fails (W < 0); pgfloat's track_proxy
    /// while the proxy fails, so +W becomes -W: the same difference between a healthy node and a failed one.
    private mutating func trackProxy(
        _ definition: ScriptDefinition, script: Sourced<String>, weight: Sourced<Int>?, into vrrp: inout ImportedVRRP
    ) {
        let at = script.origin ?? definition.origin
        if vrrp.trackProxy != nil {
            log.warn(at, "a second script that checks HAProxy; pgfloat tracks its proxy once: not kept")
            return
        }
        let value = weight?.value ?? 0
        let proxy: TrackProxy
        let meaning: String
        switch value {
        case 0:
            proxy = .fault
            meaning = "keepalived's weight 0: FAULT while it fails"
        case 1...:
            proxy = .weight(-min(value, 253))
            meaning = "keepalived's weight \(value) while it succeeded"
        default:
            proxy = .weight(max(value, -253))
            meaning = "keepalived's weight \(value) while it failed"
        }
        vrrp.trackProxy = Sourced(proxy, at, remark: meaning)
        let written: String
        switch proxy {
        case .fault: written = "\"fault\""
        case .off: written = "\"off\""
        case .weight(let weight): written = String(weight)
        }
        log.note(
            at,
            "\(definition.name) checked that HAProxy runs; pgfloat tracks its own proxy instead: track_proxy = "
                + "\(written) (\(meaning)); its interval, fall and rise are not needed")
    }
}
