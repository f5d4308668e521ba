/// What each keepalived keyword becomes, and why: the words of both the README table and the importer's notes.
extension KeepalivedDirective {
    var mapping: DirectiveMapping {
        let (pgfloat, disposition, why) = row
        return DirectiveMapping(
            source: .keepalived, directive: keywords.joined(separator: ", "), context: block.rawValue,
            pgfloat: pgfloat, disposition: disposition, why: why)
    }

    // swiftlint:disable:next function_body_length
    private var row: (String, Disposition, String) {
        switch self {
        case .globalDefs: return ("`[global]`", .implied, "its keywords below")
        case .vrrpScript:
            return (
                "`track_proxy`, `[[vrrp.track_script]]`", .translated,
                "a script that checks HAProxy runs (killall -0, pidof, pgrep or systemctl is-active haproxy) "
                    + "becomes track_proxy, since pgfloat tracks its own proxy (weight W > 0 becomes -W, 0 fault); "
                    + "any other becomes a [[vrrp.track_script]] of each instance that tracks it"
            )
        case .vrrpInstance: return ("`[[vrrp]]`", .translated, "one per instance, with the same name")
        case .syncGroup:
            return ("", .unsupported, "pgfloat has no sync groups: each [[vrrp]] fails over on its own")
        case .virtualServer:
            return ("", .unsupported, "LVS load balancing is not pgfloat's: its listeners do the balancing")
        case .staticAddresses:
            return ("", .unsupported, "configure these addresses, routes and rules in the system's network setup")
        case .include:
            return ("", .unsupported, "not followed: import the included file by pasting it in")
        case .routerID:
            return ("", .ignored, "it names the node in keepalived's e-mails and SNMP, which pgfloat does not have")
        case .scriptSecurity:
            return ("", .implied, "pgfloat always refuses scripts that another user can write")
        case .scriptUser:
            return (
                "`[global] script_user`", .translated,
                "a group after the user is not kept: scripts run with the user's own groups"
            )
        case .defaultVersion:
            return ("`[[vrrp]] version`", .translated, "for every instance that does not set its own")
        case .skipCheckAdvAddr:
            return ("", .implied, "pgfloat compares the address list of every advert; the comparison is cheap")
        case .strict:
            return ("", .ignored, "pgfloat applies RFC 5798's receive checks and adds no firewall rules")
        case .email: return ("", .ignored, "pgfloat sends no e-mail: use a notify script")
        case .defaultGarp:
            return (
                "`[[vrrp]] garp_master_*`, `garp_lower_prio_*`", .translated,
                "for every instance that does not set its own"
            )
        case .defaultHigherPriorityAdvert:
            return ("`[[vrrp]] higher_prio_send_advert`", .translated, "for every instance that does not set its own")
        case .script:
            return ("`[[vrrp.track_script]] script`", .translated, "the first word must be an absolute path")
        case .scriptInterval: return ("`[[vrrp.track_script]] interval`", .translated, "")
        case .scriptTimeout: return ("`[[vrrp.track_script]] timeout`", .translated, "")
        case .scriptWeight:
            return ("`[[vrrp.track_script]] weight`", .translated, "the same meaning: 0 means FAULT while it fails")
        case .scriptFall: return ("`[[vrrp.track_script]] fall`", .translated, "")
        case .scriptRise: return ("`[[vrrp.track_script]] rise`", .translated, "")
        case .scriptUserOwn:
            return ("`[global] script_user`", .ignored, "every script runs as [global] script_user")
        case .state:
            return (
                "", .ignored,
                "pgfloat starts as backup and elects by priority (RFC 5798 6.4.1); state was only keepalived's "
                    + "first state"
            )
        case .interface: return ("`[[vrrp]] interface`", .translated, "")
        case .virtualRouterID: return ("`[[vrrp]] virtual_router_id`", .translated, "")
        case .priority: return ("`[[vrrp]] priority`", .translated, "")
        case .advertInt: return ("`[[vrrp]] advert_interval`", .translated, "seconds, fractions for version 3")
        case .version:
            return (
                "`[[vrrp]] version`", .translated,
                "keepalived's default is 2, so an instance without it gets version = 2 to talk to keepalived peers"
            )
        case .authentication:
            return (
                "`[[vrrp]] version = 2`, `authentication`", .translated,
                "auth_type PASS: keepalived sends only the first 8 bytes of auth_pass, and those are kept; "
                    + "auth_type AH has no equivalent (RFC 3768 removed it) and gets a warning"
            )
        case .virtualIPAddress:
            return (
                "`[[vrrp]] virtual_addresses`, `virtual_address_label`", .translated,
                "`label` is kept; a `dev` other than the instance's interface, `brd` and `scope` are not"
            )
        case .virtualIPAddressExcluded:
            return (
                "", .unsupported,
                "every address pgfloat holds is in its adverts: list it in virtual_addresses (on every node) or "
                    + "manage it outside pgfloat"
            )
        case .trackScript:
            return (
                "`track_proxy`, `[[vrrp.track_script]]`", .translated, "a weight given here overrides the script's"
            )
        case .trackInterface:
            return (
                "`[[vrrp]] track_interface`", .translated,
                "a weight is not kept: a tracked interface that goes down means FAULT"
            )
        case .notifyState:
            return (
                "`[[vrrp]] notify_master`, `notify_backup`, `notify_fault`, `notify_stop`", .translated,
                "a user after the command is not kept: notify scripts run as [global] script_user"
            )
        case .notify:
            return ("`[[vrrp]] notify`", .translated, "with keepalived's arguments: INSTANCE name STATE priority")
        case .nopreempt: return ("`[[vrrp]] preempt = false`", .translated, "")
        case .preempt: return ("`[[vrrp]] preempt = true`", .translated, "")
        case .preemptDelay: return ("`[[vrrp]] preempt_delay`", .translated, "")
        case .unicastSource: return ("`[[vrrp]] unicast_source`", .translated, "")
        case .unicastPeer: return ("`[[vrrp]] unicast_peers`", .translated, "")
        case .garp:
            return (
                "`[[vrrp]] garp_master_delay`, `garp_master_repeat`, `garp_master_refresh`, `garp_lower_prio_delay`, "
                    + "`garp_lower_prio_repeat`", .translated, ""
            )
        case .garpRefreshRepeat:
            return ("", .ignored, "a refresh sends garp_master_repeat announcements")
        case .smtpAlert: return ("", .ignored, "pgfloat sends no e-mail: use a notify script")
        case .useVMAC:
            return (
                "", .unsupported,
                "pgfloat sends from the interface's own MAC address and announces the addresses with gratuitous ARP"
            )
        case .acceptMode:
            return (
                "", .implied,
                "the addresses are added to the interface, so the master accepts traffic to them, as keepalived "
                    + "does outside vrrp_strict"
            )
        case .dontTrackPrimary:
            return ("", .unsupported, "pgfloat always tracks the instance's own interface")
        case .nativeIPv6: return ("", .implied, "IPv6 addresses make an IPv6 instance")
        case .debug: return ("", .ignored, "pgfloat's log level is set on its command line")
        case .higherPriorityAdvert: return ("`[[vrrp]] higher_prio_send_advert`", .translated, "")
        }
    }
}
