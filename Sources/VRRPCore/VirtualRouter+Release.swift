import MonotonicTime
import NetTypes

/// A master's graceful exit in progress: it has resigned (priority 0) but keeps its addresses, so that a client
/// whose neighbour entry still names this node is served, until a new master has announced them.
public struct VRRPRelease: Hashable, Sendable {
    /// Where the router goes once the addresses are released: `initialize` (shutdown) or `backup` (handover).
    public let target: VRRPState
    /// The transition reason reported then.
    let why: VRRPTransitionReason
    /// Master_Down_Interval after the release began: the addresses go by then whatever is heard, which is what
    /// the daemon's wait at shutdown counts on.
    let deadline: MonotonicInstant
    /// The routers heard taking over since the release began (less those that resigned again): the addresses go
    /// with the second advert of any of them.
    var successors: Set<IPAddress> = []
}

// Lossless handover. Removing the addresses together with the priority-0 advert (RFC 5798 6.4.3) drops every SYN
// that reaches this node's MAC before the new master's gratuitous ARP reaches the client, and the client retries
// a second later; so does removing them on the new master's first advert, which goes out before its VIP add and
// announcement. So a resigning master keeps the addresses and sends priority 0 every advert interval (one lost
// advert must not leave the backups waiting for Master_Down_Interval) until a successor speaks. A successor's
// first advert starts a short wait (`announcementAllowance`) that its second one ends: a pgfloat master sends it as
// soon as its addresses are up and announced; keepalived announces within milliseconds of its advert but sends no
// second one. Only a second advert counts: two backups with equal priorities both take over, and the other's first
// advert comes before its announcement too. All this within Master_Down_Interval, the bound when no backup
// answers. Once a successor has spoken the router stays silent: priority 0 then would cut the other backups'
// timers to Skew_Time while the new master's next advert is up to an interval away.
extension VirtualRouter {
    /// Whether the router resigned and still holds its addresses (state stays `master` until it lets go).
    public var isReleasing: Bool { release != nil }

    /// Whether the addresses are to be announced (gratuitous ARP, unsolicited NA): as master, not while releasing.
    public var announcesAddresses: Bool { state == .master && release == nil }

    /// A master resigns towards `target`; a release already under way only moves towards `initialize` if asked.
    mutating func beginRelease(
        to target: VRRPState, why: VRRPTransitionReason, at now: MonotonicInstant
    ) -> [VRRPAction] {
        if let release {
            if target == .initialize {
                self.release = VRRPRelease(
                    target: target, why: why, deadline: release.deadline, successors: release.successors)
            }
            return []
        }
        let release = VRRPRelease(target: target, why: why, deadline: now + masterDownInterval)
        self.release = release
        // No more announcements: a gratuitous repeat would pull clients back to a node that is leaving.
        armedTimers[.gratuitousRepeat] = nil
        armedTimers[.lowerPriorityGratuitous] = nil
        return [
            .sendAdvert(priority: 0), arm(.advert, at: now + settings.advertInterval),
            arm(.release, at: release.deadline),
        ]
    }

    /// How long a releasing master keeps the addresses after a new master's first advert when no second one comes:
    /// enough for a VIP add and a gratuitous burst, short because both nodes answer ARP for the VIP meanwhile. A
    /// successor that sends no second advert and whose VIP add takes longer (a held RTNL lock) meets the gap again.
    static let announcementAllowance = Duration.milliseconds(100)

    /// An advert while releasing: any priority but 0 comes from a master (backups do not advertise).
    mutating func releaseReceived(
        _ packet: VRRPPacket, from source: IPAddress, at now: MonotonicInstant
    ) -> [VRRPAction] {
        guard let release else { return [] }
        if release.successors.contains(source) {
            guard packet.priority == 0 else { return finishRelease(at: now) }
            // This successor resigned in turn (its VIP add failed): if it was the only one, resign again and wait
            // for another.
            self.release?.successors.remove(source)
            guard self.release?.successors.isEmpty == true else { return [] }
            return [arm(.advert, at: now + settings.advertInterval), arm(.release, at: release.deadline)]
        }
        guard packet.priority > 0 else { return [] }
        self.release?.successors.insert(source)
        guard release.successors.isEmpty else { return [] }
        let allowance = min(settings.advertInterval, Self.announcementAllowance)
        return [arm(.release, at: min(now + allowance, release.deadline))]
    }

    /// A live timer while releasing: resign again every advert interval until a successor speaks; let go when the
    /// wait or the bound is reached.
    mutating func releaseTimerFired(_ kind: VRRPTimer.Kind, at now: MonotonicInstant) -> [VRRPAction] {
        switch kind {
        case .advert:
            guard release?.successors.isEmpty ?? true else { return [] }
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

    /// The operator's `auto` during a handover's release: if no successor has spoken yet, this one carries on.
    mutating func cancelRelease(at now: MonotonicInstant) -> [VRRPAction] {
        guard release?.successors.isEmpty ?? true else { return [] }
        release = nil
        armedTimers[.release] = nil
        return [.sendAdvert(priority: effectivePriority), arm(.advert, at: now + settings.advertInterval)]
    }
}
