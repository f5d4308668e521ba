import ConfigModel
import NetTypes

/// `vrrp_instance` blocks.
extension KeepalivedTranslator {
    /// What an instance block says before the checks that span its keywords.
    struct InstanceDraft {
        var vrrp: ImportedVRRP
        var state: Sourced<String>?
        var nopreempt: Origin?
        var authType: Sourced<String>?
        var authPass: Sourced<String>?
        var addressFamily: IPAddress.Family?
        /// `(name, weight override, line)` of each `track_script` entry.
        var tracked: [(name: String, weight: Sourced<Int>?, origin: Origin)] = []
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    mutating func readInstance(_ node: KeepalivedNode, taken: Set<String>) -> ImportedVRRP? {
        guard let children = block(node) else { return nil }
        let here = origin(node)
        let name = Names.unique(node.arguments.first ?? "", fallback: "VI", taken: taken, at: here, log: &log)
        var draft = InstanceDraft(vrrp: ImportedVRRP(name: name, origin: here))
        for child in children {
            guard let directive = KeepalivedDirective.named(child.keyword, in: .vrrpInstance) else {
                log.warn(origin(child), "not known to the importer; not translated")
                continue
            }
            let at = origin(child)
            switch directive {
            case .state:
                draft.state = value(child).map { Sourced($0, at) }
            case .interface:
                draft.vrrp.interface = value(child).map { Sourced($0, at) }
            case .virtualRouterID:
                draft.vrrp.virtualRouterID = integer(child, in: 1...255)
            case .priority:
                draft.vrrp.priority = integer(child, in: 1...255)
            case .advertInt:
                draft.vrrp.advertInterval = seconds(child)
            case .version:
                draft.vrrp.version = integer(child, in: 2...3)
            case .authentication:
                readAuthentication(child, into: &draft)
            case .virtualIPAddress:
                readAddresses(child, into: &draft)
            case .trackScript:
                for entry in block(child) ?? [] {
                    var weight: Sourced<Int>?
                    if let index = entry.words.firstIndex(of: "weight"), index + 1 < entry.words.count {
                        if let number = KeepalivedValues.integer(entry.words[index + 1]) {
                            weight = Sourced(number, origin(entry, "track_script weight"))
                        }
                    }
                    if entry.words.contains("reverse") {
                        log.warn(origin(entry, "track_script reverse"), "reverse has no equivalent; not kept")
                    }
                    draft.tracked.append((entry.keyword, weight, origin(entry, "track_script")))
                }
            case .trackInterface:
                for entry in block(child) ?? [] {
                    draft.vrrp.trackInterfaces.append(Sourced(entry.keyword, origin(entry, "track_interface")))
                    if entry.words.contains("weight") {
                        log.warn(origin(entry, "track_interface weight"), directive.mapping.why)
                    }
                }
            case .notifyState, .notify:
                guard let command = value(child) else { continue }
                if child.arguments.count > 1 { log.warn(at, directive.mapping.why) }
                guard command.hasPrefix("/") else {
                    log.warn(at, "pgfloat needs a command that starts with an absolute path; not translated")
                    continue
                }
                let sourced = Sourced(command, at)
                switch child.keyword {
                case "notify_master": draft.vrrp.notifyMaster = sourced
                case "notify_backup": draft.vrrp.notifyBackup = sourced
                case "notify_fault": draft.vrrp.notifyFault = sourced
                case "notify_stop": draft.vrrp.notifyStop = sourced
                default: draft.vrrp.notify = sourced
                }
            case .nopreempt:
                draft.vrrp.preempt = Sourced(false, at)
                draft.nopreempt = at
            case .preempt:
                draft.vrrp.preempt = Sourced(true, at)
            case .preemptDelay:
                if let delay = seconds(child, allowZero: true) {
                    if delay.value > .seconds(1000) {
                        log.warn(at, "pgfloat waits at most 1000s; written as 1000s")
                        draft.vrrp.preemptDelay = Sourced(.seconds(1000), at)
                    } else {
                        draft.vrrp.preemptDelay = delay
                    }
                }
            case .unicastSource:
                guard let text = value(child) else { continue }
                guard IPAddress(text) != nil else {
                    log.warn(at, "\"\(text)\" is not an IP address; not translated")
                    continue
                }
                draft.vrrp.unicastSource = Sourced(text, at)
            case .unicastPeer:
                for entry in block(child) ?? [] {
                    if IPAddress(entry.keyword) != nil {
                        draft.vrrp.unicastPeers.append(Sourced(entry.keyword, origin(entry, "unicast_peer")))
                    } else {
                        log.warn(
                            origin(entry, "unicast_peer"), "\"\(entry.keyword)\" is not an IP address; not translated")
                    }
                }
            case .garp:
                switch child.keyword {
                case "garp_master_delay": draft.vrrp.garpMasterDelay = seconds(child, allowZero: true)
                case "garp_master_repeat": draft.vrrp.garpMasterRepeat = integer(child, in: 1...100)
                case "garp_lower_prio_delay": draft.vrrp.garpLowerPriorityDelay = seconds(child, allowZero: true)
                case "garp_lower_prio_repeat": draft.vrrp.garpLowerPriorityRepeat = integer(child, in: 0...100)
                default: draft.vrrp.garpMasterRefresh = seconds(child, allowZero: true)
                }
            case .higherPriorityAdvert:
                draft.vrrp.higherPriorityAdvert = flag(child)
            case .acceptMode, .nativeIPv6:
                break
            case .virtualIPAddressExcluded, .garpRefreshRepeat, .smtpAlert, .useVMAC, .dontTrackPrimary, .debug:
                log.dropped(at, directive.mapping)
            case .globalDefs, .vrrpScript, .vrrpInstance, .syncGroup, .virtualServer, .staticAddresses, .include,
                .routerID, .scriptSecurity, .scriptUser, .defaultVersion, .skipCheckAdvAddr, .strict, .email,
                .defaultGarp, .defaultHigherPriorityAdvert, .script, .scriptInterval, .scriptTimeout, .scriptWeight, .scriptFall, .scriptRise,
                .scriptUserOwn:
                // Keywords of other blocks: `named(_:in:)` never returns them here.
                break
            }
        }
        return finish(draft)
    }

    private mutating func readAuthentication(_ node: KeepalivedNode, into draft: inout InstanceDraft) {
        for entry in block(node) ?? [] {
            switch entry.keyword {
            case "auth_type": draft.authType = value(entry).map { Sourced($0, origin(entry)) }
            case "auth_pass": draft.authPass = value(entry).map { Sourced($0, origin(entry)) }
            default: log.warn(origin(entry), "not known to the importer; not translated")
            }
        }
    }

    private mutating func readAddresses(_ node: KeepalivedNode, into draft: inout InstanceDraft) {
        for entry in block(node) ?? [] {
            let at = origin(entry, "virtual_ipaddress")
            let address = entry.keyword
            guard let family = KeepalivedValues.virtualAddress(address) else {
                log.warn(at, "\"\(address)\" is not an address or address/length; not translated")
                continue
            }
            if let first = draft.addressFamily, first != family {
                log.warn(
                    at,
                    "\(address) is not of the family of the first address: an instance holds one family; put it in "
                        + "a second [[vrrp]] by hand")
                continue
            }
            draft.addressFamily = family
            draft.vrrp.virtualAddresses.append(Sourced(address, at))
            var index = entry.words.startIndex + 1
            while index < entry.words.endIndex {
                let word = entry.words[index]
                let next = index + 1 < entry.words.endIndex ? entry.words[index + 1] : ""
                switch word {
                case "dev":
                    if let interface = draft.vrrp.interface?.value, next != interface {
                        log.warn(
                            at, "dev \(next): pgfloat adds every address on the instance's interface, \(interface)")
                    }
                case "label":
                    if let label = draft.vrrp.virtualAddressLabel, label.value != next {
                        log.warn(at, "pgfloat gives every address of an instance one label; kept \(label.value)")
                    } else {
                        draft.vrrp.virtualAddressLabel = Sourced(next, at)
                    }
                case "no_track":
                    index += 1
                    continue
                default:
                    log.warn(at, "\(word) is not kept")
                }
                index += 2
            }
        }
    }
}
