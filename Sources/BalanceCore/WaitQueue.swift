import MonotonicTime

/// The FIFO where new clients wait for a server, one per listener.
///
/// Contract: entries leave in arrival order when a server frees up (`popFirst`), at their deadline (`expire`), or
/// when the client goes away (`remove`, O(1): the entry is tombstoned and skipped later). Every entry of one queue
/// has the same timeout, so deadlines are in arrival order and expiry only ever looks at the head.
public struct WaitQueue<ID: Hashable & Sendable>: Sendable {
    private var entries: [(id: ID, deadline: MonotonicInstant)?] = []
    private var head = 0
    private var live: [ID: Int] = [:]

    public init() {}

    /// Clients waiting now.
    public var count: Int { live.count }
    public var isEmpty: Bool { live.isEmpty }

    public mutating func enqueue(_ id: ID, deadline: MonotonicInstant) {
        live[id] = entries.count
        entries.append((id, deadline))
    }

    /// The longest-waiting client, left in the queue.
    public mutating func peekFirst() -> ID? {
        skipTombstones()
        return head < entries.count ? entries[head]?.id : nil
    }

    /// The longest-waiting client, removed from the queue.
    public mutating func popFirst() -> ID? {
        skipTombstones()
        guard head < entries.count, let entry = entries[head] else { return nil }
        entries[head] = nil
        head += 1
        live[entry.id] = nil
        compactIfWorthIt()
        return entry.id
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
