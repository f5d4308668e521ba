/// How many open files a configuration needs, and what to do about `RLIMIT_NOFILE` at start.
///
/// The need is `2 x [defaults] maxconn + 64 x servers + 256`:
/// - 2 per session: the client's socket and the server's (a queued client holds only one; counted as two).
/// - 64 per server: its check connection, the CancelRequests forwarded to it at once and a replaced connection
///   not yet closed, with room to spare.
/// - 256 for the rest: listeners, the admin socket and its clients, the stats endpoint, epoll and eventfds, the
///   VRRP and netlink sockets, the etcd watch, scripts' pipes, the log and the files a reload reads.
///
/// Running out is pgfloat's fault, not a server's (an `accept` or `connect` failing with EMFILE): the figure errs
/// high. Pure: the caller reads and sets the limits.
public struct DescriptorBudget: Sendable, Equatable {
    /// Descriptors per session: the client's socket and the server's.
    public static let perSession = 2
    /// Descriptors per configured server: checks, forwarded cancels, connections being replaced.
    public static let perServer = 64
    /// Descriptors for everything that does not grow with sessions or servers.
    public static let reserve = 256

    /// `[defaults] maxconn`: sessions the whole process holds at once.
    public var sessions: Int
    /// `[[server]]` entries.
    public var servers: Int

    public init(sessions: Int, servers: Int) {
        self.sessions = sessions
        self.servers = servers
    }

    /// The budget of a loaded configuration.
    public init(_ config: PGFloatConfig) {
        self.init(sessions: config.defaults.maxconn, servers: config.servers.count)
    }

    /// Open files needed; saturates instead of overflowing (maxconn may be any positive integer).
    public var need: UInt64 {
        Self.saturatingSum(Self.saturatingProduct(sessions, Self.perSession), fixed)
    }

    /// Open files needed whatever the sessions: servers and the reserve.
    private var fixed: UInt64 {
        Self.saturatingSum(Self.saturatingProduct(servers, Self.perServer), UInt64(Self.reserve))
    }

    /// The formula with this configuration's figures, for logs and warnings.
    public var formula: String {
        "\(Self.perSession) x \(sessions) sessions + \(Self.perServer) x \(servers) servers + \(Self.reserve)"
    }

    /// What to do given the current soft and hard `RLIMIT_NOFILE` (`RLIM_INFINITY` is `UInt64.max`).
    public func plan(soft: UInt64, hard: UInt64) -> DescriptorLimitPlan {
        let need = self.need
        if soft >= need { return .sufficient }
        if need <= hard { return .raise(to: need) }
        return .shortOfHardLimit(raiseTo: soft < hard ? hard : nil)
    }

    /// The warning for a hard limit below the need: the numbers and the ways out.
    public func shortfallWarning(hard: UInt64) -> String {
        "maxconn needs \(need) open files (\(formula)) but their hard limit is \(hard), room for about "
            + "\(sessionsWithin(hard)) sessions; raise LimitNOFILE= (systemd) or `ulimit -Hn`, or lower "
            + "[defaults] maxconn"
    }

    /// Sessions that fit in `limit` open files once servers and the reserve have theirs.
    public func sessionsWithin(_ limit: UInt64) -> UInt64 {
        limit > fixed ? (limit - fixed) / UInt64(Self.perSession) : 0
    }

    private static func saturatingProduct(_ count: Int, _ each: Int) -> UInt64 {
        let product = UInt64(max(0, count)).multipliedReportingOverflow(by: UInt64(each))
        return product.overflow ? .max : product.partialValue
    }

    private static func saturatingSum(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let sum = a.addingReportingOverflow(b)
        return sum.overflow ? .max : sum.partialValue
    }
}

/// The decision about `RLIMIT_NOFILE` at start.
public enum DescriptorLimitPlan: Sendable, Equatable {
    /// The soft limit already covers the need: no `setrlimit` call (under pgfloat.service, whose
    /// `SystemCallFilter=~@resources` denies it, `LimitNOFILE=` is what sets the limit).
    case sufficient
    /// Soft limit below the need, hard limit at or above it: raise the soft limit to exactly the need.
    case raise(to: UInt64)
    /// The hard limit is below the need: warn, and raise the soft limit to the hard one when it is lower (nil
    /// when they are equal). Only a privileged process could raise the hard limit; pgfloat does not try.
    case shortOfHardLimit(raiseTo: UInt64?)
}
