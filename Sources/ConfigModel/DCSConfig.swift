/// `[dcs]`: the distributed configuration store Patroni publishes its leader in, which pgfloat watches so that
/// writes follow a promotion as soon as Patroni decides it, instead of one check interval later.
public struct DCSConfig: Sendable, Equatable {
    /// The store's protocol. Only etcd's v3 API for now; the key layout is Patroni's whatever the store.
    public enum StoreType: String, Sendable, Equatable, CaseIterable {
        case etcd3
    }

    /// What routing does while the store cannot be reached.
    public enum LossPolicy: String, Sendable, Equatable, CaseIterable {
        /// Route writes by the checks alone, as without a store; log and alert.
        case keep
        /// After `lossGrace`, route writes nowhere until the store is back (stolon's choice): a proxy cut off from
        /// the store cannot tell whether Patroni has moved the leader on the other side of a partition.
        case fence
    }

    /// One etcd client URL.
    public struct StoreEndpoint: Sendable, Equatable, CustomStringConvertible {
        public var tls: Bool
        /// A host name or an IP address (IPv6 without brackets).
        public var host: String
        public var port: Int

        public init(tls: Bool, host: String, port: Int) {
            self.tls = tls
            self.host = host
            self.port = port
        }

        /// The URL requests go to, e.g. `https://[fd00::5]:2379`.
        public var description: String {
            let bracketed = host.contains(":") ? "[\(host)]" : host
            return "\(tls ? "https" : "http")://\(bracketed):\(port)"
        }
    }

    public var type: StoreType
    /// Tried in order; on a failure the next one is used, as etcd clients do.
    public var endpoints: [StoreEndpoint]
    /// Patroni's `namespace`, without a trailing slash ("/service").
    public var namespace: String
    /// Patroni's `scope`: the cluster name under the namespace.
    public var scope: String
    /// CA bundle that verifies the store's certificate; nil uses the system's trust store.
    public var caFile: String?
    /// Client certificate and key (PEM) for stores that ask for one.
    public var certFile: String?
    public var keyFile: String?
    /// etcd user, with its password in `passwordFile` (read at each login, so a rotation needs no reload).
    public var username: String?
    public var passwordFile: String?
    /// Per request, and how long a silent endpoint may take to answer the liveness probe before the next is tried;
    /// also how often the probe runs, and how long the watch may take to deliver what the probe read.
    public var timeout: Duration
    public var onLoss: LossPolicy
    /// With `fence`, how long the store may be unreachable before writes stop.
    public var lossGrace: Duration
    /// How often a newly named leader is checked again while its check does not confirm it yet: Patroni writes
    /// the leader key first and promotes after, so the first check may still find a replica.
    public var confirmInterval: Duration
    /// For how long after the leader changed `confirmInterval` applies; then an unconfirmed leader (unreachable,
    /// or the leader of a Patroni standby cluster) is checked at the usual intervals.
    public var confirmWindow: Duration
    /// Line of the `[dcs]` header.
    public var line: Int

    public init(
        type: StoreType = .etcd3, endpoints: [StoreEndpoint], namespace: String = "/service", scope: String,
        caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, username: String? = nil,
        passwordFile: String? = nil, timeout: Duration = .seconds(2), onLoss: LossPolicy = .keep,
        lossGrace: Duration = .seconds(10), confirmInterval: Duration = .milliseconds(10),
        confirmWindow: Duration = .seconds(1), line: Int = 0
    ) {
        self.type = type
        self.endpoints = endpoints
        self.namespace = namespace
        self.scope = scope
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.username = username
        self.passwordFile = passwordFile
        self.timeout = timeout
        self.onLoss = onLoss
        self.lossGrace = lossGrace
        self.confirmInterval = confirmInterval
        self.confirmWindow = confirmWindow
        self.line = line
    }

    /// Whether the connection to the store uses TLS (every endpoint agrees; the loader checks it).
    public var usesTLS: Bool { endpoints.first?.tls ?? false }
}
