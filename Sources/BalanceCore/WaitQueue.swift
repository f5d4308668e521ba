import MonotonicTime

/// The FIFO where new clients wait for a server, one per listener.
///
/// Contract: entries are kept in deadline order, which is arrival order for clients that arrive with the same
/// timeout, so service (`popFirst`) and expiry (`expire`) both only ever look at the head. An entry leaves when a
/// server frees up (`popFirst`), at its deadline (`expire`), or when the client goes away (`remove`, O(1): the
/// entry is tombstoned and skipped later). An entry whose deadline is earlier than the newest one's (a client
/// that waited before and comes back after a failed connect, or one put back after a service attempt) is inserted
/// at its place; that is the rare path and costs O(n). An ID is in the queue at most once.
public struct WaitQueue<ID: Hashable & Sendable>: Sendable {
    private var entries: [(id: ID, deadline: MonotonicInstant)?] = []
    private var head = 0
    private var live: [ID: Int] = [:]

    public init() {}

    /// Clients waiting now.
    public var count: Int { live.count }
    public var isEmpty: Bool { live.isEmpty }

    /// Whether `id` is waiting.
    public func contains(_ id: ID) -> Bool { live[id] != nil }

    /// Adds a client at its place by deadline (after those with the same deadline). An ID already waiting is
    /// moved rather than added twice.
    public mutating func enqueue(_ id: ID, deadline: MonotonicInstant) {
        remove(id)
        guard let last = lastLiveDeadline(), deadline < last else {
            live[id] = entries.count
            entries.append((id, deadline))
            return
        }
        var position = entries.count
        while position > head {
            if let entry = entries[position - 1], entry.deadline <= deadline { break }
            position -= 1
        }
        insert((id, deadline), at: position)
    }

    /// Puts a client taken with `popFirst` back at the head, where it was: a service attempt found no server.
    public mutating func returnToFront(_ id: ID, deadline: MonotonicInstant) {
        remove(id)
        skipTombstones()
        if head < entries.count, let first = entries[head], first.deadline < deadline {
            enqueue(id, deadline: deadline)
        } else {
            insert((id, deadline), at: head)
        }
    }

    /// The longest-waiting client, left in the queue.
    public mutating func peekFirst() -> ID? {
        skipTombstones()
        return head < entries.count ? entries[head]?.id : nil
    }

    /// The longest-waiting client and its deadline, removed from the queue.
    public mutating func popFirst() -> (id: ID, deadline: MonotonicInstant)? {
        skipTombstones()
        guard head < entries.count, let entry = entries[head] else { return nil }
        entries[head] = nil
        head += 1
        live[entry.id] = nil
        compactIfWorthIt()
        return entry
    }

    /// Takes a client out of the queue (it disconnected while waiting). Returns whether it was waiting.
    @discardableResult
    public mutating func remove(_ id: ID) -> Bool {
        guard let index = live.removeValue(forKey: id) else { return false }
        entries[index] = nil
        compactIfWorthIt()
        return true
    }

    /// Removes and returns, oldest first, every client whose deadline is at or before `now`.
    public mutating func expire(now: MonotonicInstant) -> [ID] {
        var expired: [ID] = []
        while true {
            skipTombstones()
            guard head < entries.count, let entry = entries[head], entry.deadline <= now else { break }
            expired.append(entry.id)
            entries[head] = nil
            head += 1
            live[entry.id] = nil
        }
        compactIfWorthIt()
        return expired
    }

    /// The deadline of the longest-waiting client, to size the event loop's sleep.
    public mutating func nextDeadline() -> MonotonicInstant? {
        skipTombstones()
        return head < entries.count ? entries[head]?.deadline : nil
    }

    /// Every waiting client in service order; for invariant checks and reports, O(n).
    public var waiting: [ID] { entries[head...].compactMap { $0?.id } }

    private func lastLiveDeadline() -> MonotonicInstant? {
        var index = entries.count
        while index > head {
            index -= 1
            if let entry = entries[index] { return entry.deadline }
        }
        return nil
    }

    /// Inserts before `position`: into the free slot before the head when that is the place, else by shifting.
    private mutating func insert(_ entry: (id: ID, deadline: MonotonicInstant), at position: Int) {
        if position == head, head > 0 {
            head -= 1
            entries[head] = entry
            live[entry.id] = head
            return
        }
        entries.insert(entry, at: position)
        for index in position..<entries.count {
            if let moved = entries[index] { live[moved.id] = index }
        }
    }

    private mutating func skipTombstones() {
        while head < entries.count, entries[head] == nil { head += 1 }
    }

    /// Drops the consumed prefix once it is most of the storage, keeping memory proportional to waiting clients.
    private mutating func compactIfWorthIt() {
        guard head > 64, head * 2 > entries.count else { return }
        entries.removeFirst(head)
        head = 0
        for (index, entry) in entries.enumerated() {
            if let entry { live[entry.id] = index }
        }
    }
}
