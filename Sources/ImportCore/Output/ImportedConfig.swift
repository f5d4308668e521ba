import ConfigModel

/// The pgfloat configuration the importer builds, key by key, each value with the line it came from. Only keys the
/// sources set (or the importer had to choose) are present; the renderer writes them in a fixed order.
struct ImportedConfig: Sendable {
    var global = ImportedGlobal()
    var defaults = ImportedDefaults()
    var check = ImportedCheck()
    var servers: [ImportedServer] = []
    var listeners: [ImportedListener] = []
    var vrrp: [ImportedVRRP] = []
}

struct ImportedGlobal: Sendable {
    var adminSocket: Sourced<String>?
    var adminGroup: Sourced<String>?
    var statsBind: Sourced<String>?
    var statsRefresh: Sourced<Duration>?
    var scriptUser: Sourced<String>?
}

struct ImportedDefaults: Sendable {
    var timeoutConnect: Sourced<Duration>?
    var timeoutClient: Sourced<Duration>?
    var timeoutServer: Sourced<Duration>?
    var timeoutQueue: Sourced<Duration>?
    var retries: Sourced<Int>?
    var maxconn: Sourced<Int>?
}

struct ImportedCheck: Sendable {
    var type: Sourced<CheckType>?
    var interval: Sourced<Duration>?
    var timeout: Sourced<Duration>?
    var rise: Sourced<Int>?
    var fall: Sourced<Int>?
    var fastInterval: Sourced<Duration>?
    var downInterval: Sourced<Duration>?
    var port: Sourced<Int>?
    var scheme: Sourced<String>?
    var caFile: Sourced<String>?
    var user: Sourced<String>?
    var command: Sourced<String>?
}

struct ImportedServer: Sendable {
    var name: String
    /// `host:port`, IPv6 in brackets.
    var address: String
    var origin: Origin
    var weight: Sourced<Int>?
    var maxconn: Sourced<Int>?
    var backup: Sourced<Bool>?
    var slowstart: Sourced<Duration>?
    var checkType: Sourced<CheckType>?
    var checkPort: Sourced<Int>?
}

struct ImportedListener: Sendable {
    var name: String
    var origin: Origin
    var binds: [Sourced<String>]
    var role: Sourced<ListenerRole>?
    var balance: Sourced<BalanceAlgorithm>?
    var maxconn: Sourced<Int>?
    var servers: [String]
    /// Bytes as an integer, or a string with a unit, as Patroni's `lag=` had it.
    var maxLag: Sourced<ByteSize>?
    /// Patroni tags from `tag_key=value` query parameters.
    var tags: Sourced<[String: String]>?
    var onMarkedDown: Sourced<MarkedDownAction>?
    var onMarkedUp: Sourced<MarkedUpAction>?
}

/// A WAL size as written: a plain count of bytes or a string with a unit.
enum ByteSize: Sendable, Equatable {
    case bytes(Int)
    case text(String)
}

struct ImportedVRRP: Sendable {
    var name: String
    var origin: Origin
    var interface: Sourced<String>?
    var virtualRouterID: Sourced<Int>?
    var priority: Sourced<Int>?
    var advertInterval: Sourced<Duration>?
    var version: Sourced<Int>?
    var authentication: Sourced<String>?
    var preempt: Sourced<Bool>?
    var preemptDelay: Sourced<Duration>?
    var virtualAddresses: [Sourced<String>] = []
    var virtualAddressLabel: Sourced<String>?
    var unicastSource: Sourced<String>?
    var unicastPeers: [Sourced<String>] = []
    var garpMasterDelay: Sourced<Duration>?
    var garpMasterRepeat: Sourced<Int>?
    var garpMasterRefresh: Sourced<Duration>?
    var garpLowerPriorityDelay: Sourced<Duration>?
    var garpLowerPriorityRepeat: Sourced<Int>?
    var higherPriorityAdvert: Sourced<Bool>?
    var trackProxy: Sourced<TrackProxy>?
    var trackInterfaces: [Sourced<String>] = []
    var notifyMaster: Sourced<String>?
    var notifyBackup: Sourced<String>?
    var notifyFault: Sourced<String>?
    var notifyStop: Sourced<String>?
    var notify: Sourced<String>?
    var trackScripts: [ImportedTrackScript] = []

    init(name: String, origin: Origin) {
        self.name = name
        self.origin = origin
    }
}

struct ImportedTrackScript: Sendable {
    var name: String
    var origin: Origin
    var script: Sourced<String>
    var interval: Sourced<Duration>?
    var timeout: Sourced<Duration>?
    var fall: Sourced<Int>?
    var rise: Sourced<Int>?
    var weight: Sourced<Int>?
    /// Written commented out: pgfloat would refuse it as it stands (a command without an absolute path).
    var commentedOut = false
}
