import MonotonicTime
import NetTypes

/// A master's graceful exit in progress: it has resigned (priority 0) but keeps its addresses, so that a client
/// whose neighbour entry still names this node is served, until another router shows it is master.
public struct VRRPRelease: Hashable, Sendable {
    /// Where the router goes once the addresses are released: `initialize` (shutdown) or `backup` (handover).
    public let target: VRRPState
    /// The transition reason reported then.
    let why: VRRPTransitionReason
    /// The router whose advert was heard first since the release began; the addresses go with the next advert.
    var newMaster: IPAddress? = nil
}

// Lossless handover. Removing the addresses together with the priority-0 advert (RFC 5798 6.4.3) drops every SYN
// that reaches this node's MAC before the new master's gratuitous ARP reaches the client, and the client retries
// a second later. So a resigning master keeps the addresses, sends priority 0 every advert interval (one lost
// advert must not leave the backups waiting for Master_Down_Interval), and releases the addresses on the second
// advert of a new master, which a pgfloat master sends once its own addresses are up and announced (one advert
// interval after the first at the latest: a keepalived master does not send it), or after Master_Down_Interval
// when no backup answers. It stays silent once a new master has spoken: a priority 0 then would cut the other
// backups' timers to Skew_Time while the new master's next advert is up to an interval away.
extension VirtualRouter {
    /// Whether the router resigned and still holds its addresses (state stays `master` until it lets go).
    public var isReleasing: Bool { release != nil }

    /// Whether the addresses are to be announced (gratuitous ARP, unsolicited NA): as master, not while releasing.
    public var announcesAddresses: Bool { state == .master && release == nil }

    /// A master resigns towards `target`; a release already under way only moves towards `initialize` if asked.
    mutating func beginRelease(
        to target: VRRPState, why: VRRPTransitionReason, at now: MonotonicInstant
    ) -> [VRRPAction] {
        if release != nil {
            if target == .initialize {
                release = VRRPRelease(target: target, why: why, newMaster: release?.newMaster)
            }
            return []
        }
        release = VRRPRelease(target: target, why: why)
        // No more announcements: a gratuitous repeat would pull clients back to a node that is leaving.
        armedTimers[.gratuitousRepeat] = nil
        armedTimers[.lowerPriorityGratuitous] = nil
        return [
            .sendAdvert(priority: 0), arm(.advert, at: now + settings.advertInterval),
            arm(.release, at: now + masterDownInterval),
        ]
    }

    /// An advert while releasing: any priority but 0 comes from a master (backups do not advertise).
    mutating func releaseReceived(
        _ packet: VRRPPacket, from source: IPAddress, at now: MonotonicInstant
    ) -> [VRRPAction] {
        guard release?.newMaster != nil else {
            guard packet.priority > 0 else { return [] }
            release?.newMaster = source
            return [arm(.release, at: now + settings.advertInterval)]
        }
        guard packet.priority > 0 else {
            // The new master resigned in turn (its VIP add failed): wait for another, with the whole bound again.
            guard release?.newMaster == source else { return [] }
            release?.newMaster = nil
            return [arm(.advert, at: now + settings.advertInterval), arm(.release, at: now + masterDownInterval)]
        }
        return finishRelease(at: now)
    }

    /// A live timer while releasing: resign again every advert interval; let go when the bound is reached.
    mutating func releaseTimerFired(_ kind: VRRPTimer.Kind, at now: MonotonicInstant) -> [VRRPAction] {
        switch kind {
        case .advert:
            guard release?.newMaster == nil else { return [] }
            return [.sendAdvert(priority: 0), arm(.advert, at: now + settings.advertInterval)]
        case .release: return finishRelease(at: now)
        case .masterDown, .gratuitousRepeat, .lowerPriorityGratuitous: return []
        }
    }

    /// Releases the addresses and enters the release's target.
    mutating func finishRelease(at now: MonotonicInstant) -> [VRRPAction] {
        guard let release else { return [] }
        let from = enter(release.target)
        var actions: [VRRPAction] = [
            .removeVIPs(settings.virtualAddresses), .stateChanged(from: from, to: release.target, why: release.why),
        ]
        if release.target == .backup { actions += armMasterDown(since: now) }
        return actions
    }

    /// The operator's `auto` during a handover's release: if no master has spoken yet, this one carries on.
    mutating func cancelRelease(at now: MonotonicInstant) -> [VRRPAction] {
        guard release?.newMaster == nil else { return [] }
        release = nil
        armedTimers[.release] = nil
        return [.sendAdvert(priority: effectivePriority), arm(.advert, at: now + settings.advertInterval)]
    }
}
