/// The keepalived.conf blocks whose keywords the importer knows.
enum KeepalivedBlock: String, Sendable, Equatable {
    case topLevel = "top level"
    case globalDefs = "global_defs"
    case vrrpScript = "vrrp_script"
    case vrrpInstance = "vrrp_instance"
}

/// Every keepalived.conf keyword the importer knows, by the block it appears in; an unknown keyword gets a warning.
enum KeepalivedDirective: CaseIterable, Sendable {
    // Top level.
    case globalDefs, vrrpScript, vrrpInstance, syncGroup, virtualServer, staticAddresses, include
    // global_defs.
    case routerID, scriptSecurity, scriptUser, defaultVersion, skipCheckAdvAddr, strict, email, defaultGarp
    case defaultHigherPriorityAdvert
    // vrrp_script.
    case script, scriptInterval, scriptTimeout, scriptWeight, scriptFall, scriptRise, scriptUserOwn
    // vrrp_instance.
    case state, interface, virtualRouterID, priority, advertInt, version, authentication, virtualIPAddress
    case virtualIPAddressExcluded, trackScript, trackInterface, notifyState, notify, nopreempt, preempt
    case preemptDelay, unicastSource, unicastPeer, garp, garpRefreshRepeat, smtpAlert, useVMAC, acceptMode
    case dontTrackPrimary, nativeIPv6, debug, higherPriorityAdvert

    var block: KeepalivedBlock {
        switch self {
        case .globalDefs, .vrrpScript, .vrrpInstance, .syncGroup, .virtualServer, .staticAddresses, .include:
            return .topLevel
        case .routerID, .scriptSecurity, .scriptUser, .defaultVersion, .skipCheckAdvAddr, .strict, .email,
            .defaultGarp, .defaultHigherPriorityAdvert:
            return .globalDefs
        case .script, .scriptInterval, .scriptTimeout, .scriptWeight, .scriptFall, .scriptRise, .scriptUserOwn:
            return .vrrpScript
        case .state, .interface, .virtualRouterID, .priority, .advertInt, .version, .authentication,
            .virtualIPAddress, .virtualIPAddressExcluded, .trackScript, .trackInterface, .notifyState, .notify,
            .nopreempt, .preempt, .preemptDelay, .unicastSource, .unicastPeer, .garp, .garpRefreshRepeat,
            .smtpAlert, .useVMAC, .acceptMode, .dontTrackPrimary, .nativeIPv6, .debug, .higherPriorityAdvert:
            return .vrrpInstance
        }
    }

    var keywords: [String] {
        switch self {
        case .globalDefs: return ["global_defs"]
        case .vrrpScript: return ["vrrp_script"]
        case .vrrpInstance: return ["vrrp_instance"]
        case .syncGroup: return ["vrrp_sync_group"]
        case .virtualServer: return ["virtual_server", "virtual_server_group"]
        case .staticAddresses: return ["static_ipaddress", "static_routes", "static_rules"]
        case .include: return ["include"]
        case .routerID: return ["router_id"]
        case .scriptSecurity: return ["enable_script_security"]
        case .scriptUser: return ["script_user"]
        case .defaultVersion: return ["vrrp_version"]
        case .skipCheckAdvAddr: return ["vrrp_skip_check_adv_addr"]
        case .strict: return ["vrrp_strict"]
        case .email: return ["notification_email", "notification_email_from", "smtp_server", "smtp_connect_timeout"]
        case .defaultGarp:
            return [
                "vrrp_garp_master_delay", "vrrp_garp_master_repeat", "vrrp_garp_master_refresh",
                "vrrp_garp_lower_prio_delay", "vrrp_garp_lower_prio_repeat",
            ]
        case .defaultHigherPriorityAdvert: return ["vrrp_higher_prio_send_advert"]
        case .script: return ["script"]
        case .scriptInterval: return ["interval"]
        case .scriptTimeout: return ["timeout"]
        case .scriptWeight: return ["weight"]
        case .scriptFall: return ["fall"]
        case .scriptRise: return ["rise"]
        case .scriptUserOwn: return ["user"]
        case .state: return ["state"]
        case .interface: return ["interface"]
        case .virtualRouterID: return ["virtual_router_id"]
        case .priority: return ["priority"]
        case .advertInt: return ["advert_int"]
        case .version: return ["version", "vrrp_version"]
        case .authentication: return ["authentication"]
        case .virtualIPAddress: return ["virtual_ipaddress"]
        case .virtualIPAddressExcluded: return ["virtual_ipaddress_excluded"]
        case .trackScript: return ["track_script"]
        case .trackInterface: return ["track_interface"]
        case .notifyState: return ["notify_master", "notify_backup", "notify_fault", "notify_stop"]
        case .notify: return ["notify"]
        case .nopreempt: return ["nopreempt"]
        case .preempt: return ["preempt"]
        case .preemptDelay: return ["preempt_delay"]
        case .unicastSource: return ["unicast_src_ip", "mcast_src_ip"]
        case .unicastPeer: return ["unicast_peer"]
        case .garp:
            return [
                "garp_master_delay", "garp_master_repeat", "garp_master_refresh", "garp_lower_prio_delay",
                "garp_lower_prio_repeat",
            ]
        case .garpRefreshRepeat: return ["garp_master_refresh_repeat"]
        case .smtpAlert: return ["smtp_alert"]
        case .useVMAC: return ["use_vmac", "vmac_xmit_base"]
        case .acceptMode: return ["accept", "no_accept"]
        case .dontTrackPrimary: return ["dont_track_primary"]
        case .nativeIPv6: return ["native_ipv6"]
        case .debug: return ["debug"]
        case .higherPriorityAdvert: return ["higher_prio_send_advert"]
        }
    }

    static func named(_ keyword: String, in block: KeepalivedBlock) -> KeepalivedDirective? {
        byKeyword[block.rawValue + " " + keyword]
    }

    private static let byKeyword: [String: KeepalivedDirective] = {
        var table: [String: KeepalivedDirective] = [:]
        for directive in allCases {
            for keyword in directive.keywords { table[directive.block.rawValue + " " + keyword] = directive }
        }
        return table
    }()
}
