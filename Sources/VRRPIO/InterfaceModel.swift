import NetTypes

/// The links and addresses the interface watcher keeps, and its resynchronising dumps, driven by decoded
/// rtnetlink messages only: no socket here, so that tests can feed any sequence of messages.
///
/// Contract: a resynchronisation dumps links, then addresses, into a staging model, which replaces the live one
/// only when both dumps completed whole. A dump the kernel marks interrupted (NLM_F_DUMP_INTR: the tables changed
/// while it ran) or answers with an error starts the resynchronisation over, and the live model stays as it was
/// meanwhile: a partial model would show a missing VIP or source address that is there. Notifications apply to
/// the live and the staging model alike. Only one dump runs at a time (the kernel refuses a second, EBUSY).
struct InterfaceModel {
    /// Links by index.
    private(set) var links: [Int32: WatchedLink] = [:]
    /// Addresses by interface index.
    private(set) var addresses: [Int32: [InterfaceAddress]] = [:]
    /// The model being rebuilt by a resynchronising dump, nil when none runs.
    private var staging: (links: [Int32: WatchedLink], addresses: [Int32: [InterfaceAddress]])?
    /// The dumps still to request after the running one, in order.
    private var pendingDumps: [UInt16] = []
    /// The sequence number of the dump whose replies are awaited.
    private var runningDump: UInt32?
    /// The kernel marked a reply of the running dump NLM_F_DUMP_INTR.
    private var runningDumpInterrupted = false
    /// An overrun while a dump runs: the resynchronisation starts over when the running dump ends.
    private var overrunDuringDump = false
    private var sequence: UInt32 = 0

    /// A dump the watcher is to send: RTM_GETLINK or RTM_GETADDR, with this sequence number.
    struct DumpRequest: Equatable {
        let type: UInt16
        let sequence: UInt32
    }

    /// Whether a resynchronisation is under way (the live model may be stale until it ends).
    var isResynchronising: Bool { staging != nil }

    /// Every link by name with its addresses (an empty list for a link without any), as `HostAddresses` lists
    /// them, from the model rather than a dump.
    var addressesByName: [String: [IPAddress]] {
        var found: [String: [IPAddress]] = [:]
        for link in links.values { found[link.name] = addresses[link.index, default: []].map(\.network.address) }
        return found
    }

    /// Starts a resynchronisation over: a fresh staging model and the link dump first.
    mutating func resynchronise() -> DumpRequest {
        staging = ([:], [:])
        pendingDumps = [RouteMessage.getLink, RouteMessage.getAddress]
        return nextDump()
    }

    /// Notifications were lost (ENOBUFS). Returns the dump to request, or nil when one runs already (the
    /// resynchronisation then starts over once it ends).
    mutating func overrun() -> DumpRequest? {
        guard runningDump == nil else {
            overrunDuringDump = true
            return nil
        }
        return resynchronise()
    }

    /// The request returned last could not be sent: no reply will come. The live model stays, and the next
    /// overrun starts over.
    mutating func dumpNotSent() {
        runningDump = nil
        runningDumpInterrupted = false
    }

    /// Applies one message; returns the dump to request next, if any.
    mutating func apply(_ message: RouteMessage, to changes: inout InterfaceWatcher.Changes) -> DumpRequest? {
        switch message {
        case .dumpInterrupted(let dump):
            if dump == runningDump { runningDumpInterrupted = true }
            return nil
        case .failed(let dump, _):
            guard dump == runningDump else { return nil }
            return dumpEnded(complete: false, changes: &changes)
        case .dumpDone(let dump):
            guard dump == runningDump else { return nil }
            return dumpEnded(complete: !runningDumpInterrupted, changes: &changes)
        case .addressRemoved(let index, let network):
            changes.removedAddresses.append((index, network))
        case .link, .linkRemoved, .address:
            break
        }
        changes.changed = true
        Self.apply(message, links: &links, addresses: &addresses)
        if var staged = staging {
            staging = nil
            Self.apply(message, links: &staged.links, addresses: &staged.addresses)
            staging = staged
        }
        return nil
    }

    /// The running dump ended, whole or not: go on with the next one, start over, or adopt the staged model.
    private mutating func dumpEnded(complete: Bool, changes: inout InterfaceWatcher.Changes) -> DumpRequest? {
        runningDump = nil
        runningDumpInterrupted = false
        if overrunDuringDump || !complete {
            overrunDuringDump = false
            changes.resynchronisationRestarted = true
            return resynchronise()
        }
        if !pendingDumps.isEmpty { return nextDump() }
        if let staged = staging {
            links = staged.links
            addresses = staged.addresses
            staging = nil
            changes.changed = true
            changes.resynchronised = true
        }
        return nil
    }

    private mutating func nextDump() -> DumpRequest {
        sequence &+= 1
        runningDump = sequence
        return DumpRequest(type: pendingDumps.removeFirst(), sequence: sequence)
    }

    private static func apply(
        _ message: RouteMessage, links: inout [Int32: WatchedLink], addresses: inout [Int32: [InterfaceAddress]]
    ) {
        switch message {
        case .link(let link):
            // A new index under a known name is a recreated interface: the old one is gone.
            if let stale = links.values.first(where: { $0.name == link.name && $0.index != link.index }) {
                links[stale.index] = nil
                addresses[stale.index] = nil
            }
            links[link.index] = link
        case .linkRemoved(let index):
            links[index] = nil
            addresses[index] = nil
        case .address(let index, let address):
            var list = addresses[index] ?? []
            if let known = list.firstIndex(where: { $0.network == address.network }) {
                list[known] = address
            } else {
                list.append(address)
            }
            addresses[index] = list
        case .addressRemoved(let index, let network):
            addresses[index]?.removeAll { $0.network == network }
        case .dumpDone, .dumpInterrupted, .failed:
            break
        }
    }
}
