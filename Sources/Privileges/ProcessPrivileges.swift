/// Who a process is and what it may do: its user and group ids and its five capability sets.
///
/// A plain value, so that the plan and its verification are pure functions; ``read()`` fills one from the kernel
/// and ``init(procStatus:)`` from the text of /proc/PID/status.
public struct ProcessPrivileges: Hashable, Sendable {
    public struct IDs: Hashable, Sendable {
        public var real: UInt32
        public var effective: UInt32
        public var saved: UInt32

        public init(real: UInt32, effective: UInt32, saved: UInt32) {
            self.real = real
            self.effective = effective
            self.saved = saved
        }

        public init(all id: UInt32) {
            self.init(real: id, effective: id, saved: id)
        }

        /// Whether real, effective and saved ids are all `id`: no way back to another one.
        public func are(_ id: UInt32) -> Bool { real == id && effective == id && saved == id }
    }

    /// The sets of capabilities(7). A program started by a process without ambient or inheritable capabilities,
    /// and without file capabilities of its own, gets none, whatever its parent holds.
    public struct Capabilities: Hashable, Sendable {
        /// What the kernel checks.
        public var effective: CapabilitySet
        /// What the process may make effective.
        public var permitted: CapabilitySet
        /// What a program it starts may keep if that program's file allows it.
        public var inheritable: CapabilitySet
        /// The most it or anything it starts can ever hold.
        public var bounding: CapabilitySet
        /// What a program it starts keeps without file capabilities (systemd's `AmbientCapabilities=`).
        public var ambient: CapabilitySet

        public init(
            effective: CapabilitySet = .empty, permitted: CapabilitySet = .empty, inheritable: CapabilitySet = .empty,
            bounding: CapabilitySet = .empty, ambient: CapabilitySet = .empty
        ) {
            self.effective = effective
            self.permitted = permitted
            self.inheritable = inheritable
            self.bounding = bounding
            self.ambient = ambient
        }
    }

    public var uids: IDs
    public var gids: IDs
    /// Supplementary groups.
    public var groups: Set<UInt32>
    public var capabilities: Capabilities

    public init(uids: IDs, gids: IDs, groups: Set<UInt32>, capabilities: Capabilities) {
        self.uids = uids
        self.gids = gids
        self.groups = groups
        self.capabilities = capabilities
    }

    /// Parses the `Uid:`, `Gid:`, `Groups:` and `Cap*:` lines of /proc/PID/status; nil when one is missing or
    /// malformed. (`Uid:` lists real, effective, saved and file-system ids.)
    public init?(procStatus text: String) {
        var fields: [Substring: Substring] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon]] = line[line.index(after: colon)...]
        }
        func ids(_ name: Substring) -> IDs? {
            let numbers = fields[name]?.split(whereSeparator: \.isWhitespace).compactMap { UInt32($0) } ?? []
            return numbers.count >= 3 ? IDs(real: numbers[0], effective: numbers[1], saved: numbers[2]) : nil
        }
        func set(_ name: Substring) -> CapabilitySet? { fields[name].flatMap { CapabilitySet(hex: $0) } }
        guard let uids = ids("Uid"), let gids = ids("Gid"), let groups = fields["Groups"],
            let effective = set("CapEff"), let permitted = set("CapPrm"), let inheritable = set("CapInh"),
            let bounding = set("CapBnd")
        else { return nil }
        self.uids = uids
        self.gids = gids
        self.groups = Set(groups.split(whereSeparator: \.isWhitespace).compactMap { UInt32($0) })
        // CapAmb exists since Linux 4.3; without it there is no ambient set.
        capabilities = Capabilities(
            effective: effective, permitted: permitted, inheritable: inheritable, bounding: bounding,
            ambient: set("CapAmb") ?? .empty)
    }
}
