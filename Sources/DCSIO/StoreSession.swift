import AdminCore
import ConfigModel
import DCSCore
import HealthCore
import HealthIO
import Logging
import MonotonicTime
import NIOCore

/// The watch of one `[dcs]` configuration: connects, reads, watches, and reconnects until stopped.
final class StoreSession {
    let client: EtcdClient
    private unowned let watcher: StoreWatcher
    private var policy: StorePolicy
    private var state: StoreState
    private let layout: PatroniLayout
    private var eventLoop: EventLoop { watcher.eventLoop }
    private var logger: Logger { watcher.logger }

    private var rotation: EndpointRotation
    private var liveness: WatchLiveness
    private var token: String?
    private var stream: WatchStream?
    private var channel: Channel?
    /// Bumped by every connect and failure, so late callbacks of an abandoned attempt are ignored.
    private var attempt = 0
    private var stopped = false
    private var retryTimer: Scheduled<Void>?
    private var probeTimer: Scheduled<Void>?
    private var policyTimer: Scheduled<Void>?
    /// Whether the loss was logged, so that every failed retry does not log again.
    private var lossLogged = false
    /// The guidance handed over last; `.none` before the first, since nil guidance is a value to hand over.
    private var published: StoreGuidance??
    private var authority: StorePolicy.WriteAuthority?

    init(config: DCSConfig, servers: [ServerConfig], watcher: StoreWatcher) throws {
        client = try EtcdClient(config: config, eventLoop: watcher.eventLoop)
        self.watcher = watcher
        layout = PatroniLayout(namespace: config.namespace, scope: config.scope)
        policy = StorePolicy(config: config, servers: servers)
        state = StoreState(layout: layout, startedAt: StoreWatcher.now())
        rotation = EndpointRotation(endpointCount: config.endpoints.count)
        // A live watch delivers a change within milliseconds of a read that sees it; a request may take `timeout`.
        liveness = WatchLiveness(grace: config.timeout)
    }

    private var endpoint: DCSConfig.StoreEndpoint { client.config.endpoints[rotation.index] }

    func start() {
        publish(recheck: nil)
        connect()
    }

    func stop() -> EventLoopFuture<Void> {
        stopped = true
        attempt += 1
        for timer in [retryTimer, probeTimer, policyTimer] { timer?.cancel() }
        closeWatch()
        return client.shutdown()
    }

    func remap(servers: [ServerConfig]) {
        policy = StorePolicy(config: client.config, servers: servers)
        publish(recheck: policy.leaderServer(in: state))
    }

    // MARK: Connecting

    /// Logs in if the store asks for it, reads the keys, then watches from the revision after the read. Every
    /// connect reads, not only the first: a watch resumed from before a loss would show the old leader until it
    /// caught up, and a read also finds a store whose revision went back (``StoreState/isRewound(to:)``).
    private func connect() {
        attempt += 1
        let current = attempt
        let endpoint = self.endpoint
        client.authenticate(at: endpoint).flatMap { token -> EventLoopFuture<StoreSnapshot> in
            self.token = token
            return self.client.read(self.layout, at: endpoint, token: token)
        }.whenComplete { result in
            guard current == self.attempt else { return }
            switch result {
            case .success(let snapshot):
                self.load(snapshot, afterCompaction: false)
                self.watch(from: self.state.resumeRevision)
            case .failure(let error):
                self.fail(ProbeFailure.describe(error))
            }
        }
    }

    private func watch(from revision: Int64) {
        let current = attempt
        liveness.watchStarted()
        let stream = WatchStream(
            onMessage: { [weak self] message in
                guard let self, current == self.attempt else { return }
                self.handle(message)
            },
            onFailure: { [weak self] reason in
                guard let self, current == self.attempt else { return }
                self.fail(reason)
            })
        self.stream = stream
        client.watch(layout, from: revision, at: endpoint, token: token, stream: stream).whenComplete { result in
            switch result {
            case .success(let channel) where current == self.attempt:
                self.channel = channel
            case .success(let channel):
                channel.close(promise: nil)  // abandoned while connecting
            case .failure(let error):
                guard current == self.attempt else { return }
                self.fail(ProbeFailure.describe(error))
            }
        }
    }

    private func closeWatch() {
        stream?.close()
        stream = nil
        channel?.close(promise: nil)
        channel = nil
    }

    private func handle(_ message: EtcdGateway.WatchMessage) {
        switch message {
        case .created(let revision):
            guard !rewound(to: revision, by: "watch created") else { return }
            connected()
        case .events(let events, let revision):
            guard !rewound(to: revision, by: "watch events") else { return }
            let changes = state.apply(events, at: StoreWatcher.now())
            publish(recheck: log(changes))
        case .progress(let revision):
            guard !rewound(to: revision, by: "watch progress") else { return }
            state.progress(to: revision)
        case .compacted(let revision):
            resync(why: "revision \(state.resumeRevision) compacted (history starts after \(revision))",
                   afterCompaction: true)
        case .canceled(let reason):
            fail("watch canceled: \(reason)")
        case .failed(let reason):
            fail(reason)
        }
    }

    private func connected() {
        let wasConnected = state.connection == .connected(endpoint: endpoint.description)
        state.connected(endpoint: endpoint.description)
        rotation.connected()
        lossLogged = false
        if !wasConnected {
            logger.info(
                "dcs connected",
                metadata: ["endpoint": "\(endpoint)", "revision": "\(state.revision)",
                           "leader": "\(state.leader ?? "none")"])
        }
        scheduleProbe(in: client.config.timeout)
        publish(recheck: nil)
    }

    /// The watch cannot go on from where it is (its revision was compacted away, or it went silent): read
    /// everything again at a revision etcd still has, then watch on from there.
    private func resync(why: String, afterCompaction: Bool) {
        logger.notice("dcs resync", metadata: ["why": "\(why)", "endpoint": "\(endpoint)"])
        closeWatch()
        probeTimer?.cancel()
        attempt += 1
        let current = attempt
        authorized { self.client.read(self.layout, at: self.endpoint, token: $0) }.whenComplete { result in
            guard current == self.attempt else { return }
            switch result {
            case .success(let snapshot):
                self.load(snapshot, afterCompaction: afterCompaction)
                self.watch(from: self.state.resumeRevision)
            case .failure(let error):
                self.fail(ProbeFailure.describe(error))
            }
        }
    }

    /// Whether the store answered `what` at a revision older than one seen before; if so the revision is
    /// forgotten and everything read again.
    private func rewound(to revision: Int64, by what: String) -> Bool {
        // 0: a message without a header, which says nothing of the store's revision.
        guard revision > 0, state.isRewound(to: revision) else { return false }
        resync(why: "\(what) at revision \(revision), older than \(state.revision) seen before: store restored?",
               afterCompaction: false)
        return true
    }

    private func load(_ snapshot: StoreSnapshot, afterCompaction: Bool) {
        if state.hasRead, state.isRewound(to: snapshot.revision) {
            logger.error(
                "dcs revision went back",
                metadata: ["read_revision": "\(snapshot.revision)", "seen_revision": "\(state.revision)",
                           "endpoint": "\(endpoint)",
                           "why": "etcd restored from a snapshot without --bump-revision? Following the read"])
        }
        let changes = state.load(snapshot, at: StoreWatcher.now(), afterCompaction: afterCompaction)
        publish(recheck: log(changes))
    }

    /// A silent watch proves nothing: every `timeout` a read of the leader key must answer within `timeout`, and
    /// the watch must account for what it read (``WatchLiveness``), or it is given up and the keys read again.
    private func scheduleProbe(in delay: Duration) {
        probeTimer?.cancel()
        let current = attempt
        probeTimer = eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.nanoseconds))) { [weak self] in
            guard let self, current == self.attempt else { return }
            let sentAt = self.state.revision
            self.authorized { self.client.probe(self.layout, at: self.endpoint, token: $0) }.whenComplete { result in
                guard current == self.attempt else { return }
                switch result {
                case .success(let reading): self.judge(reading, sentAt: sentAt)
                case .failure(let error): self.fail("liveness read failed: \(ProbeFailure.describe(error))")
                }
            }
        }
    }

    private func judge(_ reading: LeaderReading, sentAt: Int64) {
        let now = StoreWatcher.now()
        switch liveness.probed(reading, watched: state, sentAt: sentAt, at: now) {
        case .agrees:
            scheduleProbe(in: client.config.timeout)
        case .behind(let recheckAt):
            scheduleProbe(in: recheckAt.since(now))
        case .stale(let watched, let read):
            logger.warning(
                "dcs watch stale",
                metadata: ["watched_leader": "\(watched ?? "none")", "read_leader": "\(read ?? "none")",
                           "read_revision": "\(reading.revision)", "watched_revision": "\(state.revision)",
                           "endpoint": "\(endpoint)"])
            resync(why: "the watch missed a leader change the liveness read saw", afterCompaction: false)
        case .rewound(let read, let seen):
            resync(why: "liveness read at revision \(read), older than \(seen) seen before: store restored?",
                   afterCompaction: false)
        }
    }

    /// Runs `request` with the token; when etcd refuses it (a JWT past its `ttl`) logs in again on the same
    /// endpoint and runs it once more. An expired token is not a lost store: failing would mark the store lost,
    /// drop the watch and route by the checks until the next read.
    private func authorized<Reply: Sendable>(_ request: @escaping (String?) -> EventLoopFuture<Reply>)
        -> EventLoopFuture<Reply>
    {
        request(token).flatMapError { error in
            guard self.token != nil, EtcdClient.isTokenRefused(error) else {
                return self.eventLoop.makeFailedFuture(error)
            }
            return self.client.authenticate(at: self.endpoint).flatMap { token in
                self.token = token
                self.logger.info("dcs token renewed", metadata: ["endpoint": "\(self.endpoint)"])
                return request(token)
            }
        }
    }

    /// The endpoint failed: mark the store unreachable, and try the next endpoint after a pause.
    private func fail(_ reason: String) {
        guard !stopped else { return }
        attempt += 1
        closeWatch()
        probeTimer?.cancel()
        let failed = endpoint
        if !lossLogged {
            lossLogged = true
            let words = state.hasRead ? "dcs lost" : "dcs unreachable"
            logger.warning(
                "\(words)",
                metadata: ["endpoint": "\(failed)", "why": "\(reason)", "on_dcs_loss": "\(client.config.onLoss)",
                           "revision": "\(state.revision)"])
        } else {
            logger.debug("dcs connect failed", metadata: ["endpoint": "\(failed)", "why": "\(reason)"])
        }
        state.lost(at: StoreWatcher.now())
        publish(recheck: nil)
        let delay = rotation.failed()
        retryTimer = eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.nanoseconds))) { [weak self] in
            guard let self, !self.stopped else { return }
            self.connect()
        }
    }

    // MARK: Routing

    /// Logs what changed; returns the server to check at once: the new leader, or the leader whose record moved.
    private func log(_ changes: [StoreState.Change]) -> String? {
        var recheck: String?
        for change in changes {
            switch change {
            case .leader(let from, let to):
                // One batch may move the key twice (deleted, then taken): name the server of this change.
                let server = to.flatMap { policy.server(for: $0, record: state.members[$0]) }
                logger.notice(
                    "dcs leader",
                    metadata: ["from": "\(from ?? "none")", "to": "\(to ?? "none")", "server": "\(server ?? "none")",
                               "revision": "\(state.revision)"])
                if let to, server == nil {
                    logger.error(
                        "dcs leader matches no server",
                        metadata: ["member": "\(to)", "why": "no [[server]] has its name or its conn_url address",
                                   "action": "no writes; every server that answers primary is deposed"])
                }
                recheck = server
            case .member(let name, _) where name == state.leader:
                recheck = recheck ?? policy.leaderServer(in: state)
            case .member:
                break
            case .sync(let standbys):
                logger.notice(
                    "dcs sync",
                    metadata: ["standbys": "\(standbys.isEmpty ? "none" : standbys.joined(separator: ","))",
                               "revision": "\(state.revision)"])
            }
        }
        return recheck
    }

    /// Hands the guidance to the checks when it changed or a server needs checking now, logs a change of what
    /// decides writes, and wakes up when the fence grace ends.
    private func publish(recheck: String?) {
        let now = StoreWatcher.now()
        let guidance = policy.guidance(for: state, at: now)
        if published != .some(guidance) || recheck != nil {
            published = .some(guidance)
            watcher.onGuidance(guidance, recheck)
        }
        logAuthority(policy.authority(for: state, at: now))
        policyTimer?.cancel()
        policyTimer = policy.nextChange(for: state, at: now).map { instant in
            eventLoop.scheduleTask(in: .nanoseconds(Int64(instant.since(now).nanoseconds))) { [weak self] in
                self?.publish(recheck: nil)
            }
        }
    }

    private func logAuthority(_ next: StorePolicy.WriteAuthority) {
        guard next != authority else { return }
        let before = authority
        authority = next
        // At start the checks (keep) or no writes (fence) until the first read are the expected state, not news.
        guard before != nil || (next != .checks && next != .fenced) else { return }
        let metadata: Logger.Metadata = ["from": "\(before?.rawValue ?? "none")", "to": "\(next.rawValue)"]
        switch next {
        case .fenced:
            logger.error("dcs fenced: no writes until the store is back", metadata: metadata)
        case .checks:
            logger.warning("dcs writes follow the checks alone", metadata: metadata)
        case .leader, .none, .unmapped:
            logger.notice("dcs writes follow the store", metadata: metadata)
        }
    }

    // MARK: Runtime API

    func stats(at now: MonotonicInstant) -> DCSStats {
        let connection: String
        var endpoint = ""
        switch state.connection {
        case .connecting: connection = "connecting"
        case .connected(let url):
            connection = "connected"
            endpoint = url
        case .lost: connection = "lost"
        }
        let members = state.members.keys.sorted().map { name -> DCSMemberStats in
            let record = state.members[name]
            return DCSMemberStats(
                name: name, server: policy.server(for: name, record: record), role: record?.role ?? "",
                state: record?.state ?? "")
        }
        return DCSStats(
            type: client.config.type.rawValue, state: connection, endpoint: endpoint, revision: state.revision,
            leader: state.leader, leaderServer: policy.leaderServer(in: state),
            writes: policy.authority(for: state, at: now).rawValue,
            lastEventAgeSeconds: state.lastEvent.map { now.since($0).seconds },
            lostForSeconds: state.unreachableSince.map { now.since($0).seconds },
            onLoss: client.config.onLoss.rawValue, events: state.events, reconnects: state.reconnects,
            resyncs: state.resyncs, staleWatches: liveness.staleWatches, members: members)
    }
}

extension Duration {
    /// Seconds as a fraction, for reports.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
