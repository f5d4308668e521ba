import AsyncHTTPClient
import ConfigModel
import DCSCore
import Foundation
import HealthIO
import NIOCore
import NIOHTTP1
import NIOSSL

/// The unary requests of etcd's v3 JSON gateway against one configured store, and the watch request: one
/// `HTTPClient`, so TLS and connection pooling are set up once per configuration.
final class EtcdClient: @unchecked Sendable {
    /// A range over Patroni's keys of one cluster is a few KiB per member; far more is not etcd answering.
    static let maxReply = 16 * 1024 * 1024

    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The HTTP status etcd answered, if it answered.
        var status: HTTPResponseStatus?
    }

    /// Whether `error` is etcd refusing the auth token: the gateway answers gRPC's `Unauthenticated` with 401
    /// ("etcdserver: invalid auth token"), which is what a JWT past its `ttl` gets. Logging in again cures it.
    static func isTokenRefused(_ error: Error) -> Bool {
        (error as? Failure)?.status == .unauthorized
    }

    let config: DCSConfig
    let http: HTTPClient
    /// The same TLS settings for the watch's own connection (``WatchConnection``); nil without TLS.
    private let watchTLS: NIOSSLContext?
    private let eventLoop: EventLoop

    init(config: DCSConfig, eventLoop: EventLoop) throws {
        self.config = config
        self.eventLoop = eventLoop
        var configuration = HTTPClient.Configuration()
        var watchTLS: NIOSSLContext?
        if config.usesTLS {
            // Loaded now, so a missing or unreadable file is reported at start or reload, not at each connect.
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile = config.caFile {
                tls.trustRoots = .certificates(try Self.load("ca_file", caFile, NIOSSLCertificate.fromPEMFile))
            }
            if let certFile = config.certFile, let keyFile = config.keyFile {
                tls.certificateChain = try Self.load("cert_file", certFile, NIOSSLCertificate.fromPEMFile)
                    .map { .certificate($0) }
                let key = try Self.load("key_file", keyFile) { try NIOSSLPrivateKey(file: $0, format: .pem) }
                tls.privateKey = .privateKey(key)
            }
            configuration.tlsConfiguration = tls
            watchTLS = try NIOSSLContext(configuration: tls)
        }
        self.watchTLS = watchTLS
        // No read timeout: a watch is silent while nothing changes. Unary requests carry their own deadline.
        configuration.timeout = .init(connect: .nanoseconds(Int64(config.timeout.nanoseconds)))
        http = HTTPClient(eventLoopGroupProvider: .shared(eventLoop), configuration: configuration)
    }

    func shutdown() -> EventLoopFuture<Void> {
        http.shutdown().hop(to: eventLoop)
    }

    /// The auth token for `username`, with the password read from its file now (rotations need no reload).
    func authenticate(at endpoint: DCSConfig.StoreEndpoint) -> EventLoopFuture<String?> {
        guard let user = config.username, let passwordFile = config.passwordFile else {
            return eventLoop.makeSucceededFuture(nil)
        }
        let password: String
        do {
            password = try SecretFile.read(passwordFile, setting: "password_file")
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let body = EtcdGateway.authenticateRequest(user: user, password: password)
        return post("/v3/auth/authenticate", body, at: endpoint, token: nil).flatMapThrowing {
            try EtcdGateway.token(fromAuthenticate: $0)
        }.map { Optional($0) }
    }

    /// Every key of the cluster and the revision they are at.
    func read(_ layout: PatroniLayout, at endpoint: DCSConfig.StoreEndpoint, token: String?)
        -> EventLoopFuture<StoreSnapshot>
    {
        let body = EtcdGateway.rangeRequest(key: layout.scopePrefix, rangeEnd: layout.rangeEnd)
        return post("/v3/kv/range", body, at: endpoint, token: token).flatMapThrowing {
            try EtcdGateway.snapshot(fromRange: $0)
        }
    }

    /// The leader key: proves the endpoint still serves reads while the watch is silent, and shows what the watch
    /// should have delivered.
    func probe(_ layout: PatroniLayout, at endpoint: DCSConfig.StoreEndpoint, token: String?)
        -> EventLoopFuture<LeaderReading>
    {
        post("/v3/kv/range", EtcdGateway.probeRequest(key: layout.leaderKey), at: endpoint, token: token)
            .flatMapThrowing { try EtcdGateway.leaderReading(fromRange: $0) }
    }

    /// Starts a watch on a connection of its own; `stream` receives its messages on this client's event loop
    /// until the connection closes.
    func watch(
        _ layout: PatroniLayout, from revision: Int64, at endpoint: DCSConfig.StoreEndpoint, token: String?,
        stream: WatchStream
    ) -> EventLoopFuture<Channel> {
        let body = EtcdGateway.watchRequest(
            key: layout.scopePrefix, rangeEnd: layout.rangeEnd, startRevision: revision)
        // etcd's require-leader metadata: a member cut off from its cluster's leader ends the watch instead of
        // keeping it open while it can see no new revision.
        var headers = HTTPHeaders([("Grpc-Metadata-hasleader", "true")])
        if let token { headers.add(name: "Authorization", value: token) }
        return WatchConnection.open(
            endpoint, tls: watchTLS, headers: headers, body: body, timeout: config.timeout,
            keepalive: config.timeout, stream: stream, on: eventLoop)
    }

    private func post(_ path: String, _ body: [UInt8], at endpoint: DCSConfig.StoreEndpoint, token: String?)
        -> EventLoopFuture<[UInt8]>
    {
        let request: HTTPClient.Request
        do {
            request = try makeRequest(path, body, at: endpoint, token: token)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(config.timeout.nanoseconds))
        return http.execute(
            request: request, delegate: ResponseAccumulator(request: request, maxBodySize: Self.maxReply),
            eventLoop: .delegate(on: eventLoop), deadline: deadline
        ).futureResult.hop(to: eventLoop).flatMapThrowing { response in
            let bytes = response.body.map { Array($0.readableBytesView) } ?? []
            guard response.status == .ok else {
                throw Failure(
                    description: "\(path) answered HTTP \(response.status.code)\(Self.reason(bytes))",
                    status: response.status)
            }
            return bytes
        }
    }

    private func makeRequest(_ path: String, _ body: [UInt8], at endpoint: DCSConfig.StoreEndpoint, token: String?)
        throws -> HTTPClient.Request
    {
        var headers = HTTPHeaders([("Content-Type", "application/json")])
        if let token { headers.add(name: "Authorization", value: token) }
        return try HTTPClient.Request(url: "\(endpoint)\(path)", method: .POST, headers: headers, body: .bytes(body))
    }

    /// etcd's own words for an error: the `message` of a JSON reply, else the plain text the gateway answers
    /// some refusals with. Neither echoes the request, so no secret can be in it.
    private static func reason(_ body: [UInt8]) -> String {
        struct Reply: Decodable { var message: String? }
        let message = (try? JSONDecoder().decode(Reply.self, from: Data(body)).message)
            ?? String(decoding: body, as: UTF8.self)
        let line = message.prefix(200).map { $0.isASCII && !$0.isNewline && $0 != "\t" ? $0 : " " }
        let text = String(line).trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "" : ": \(text)"
    }

    /// Loads one TLS file, naming the setting and the file when it fails (NIOSSL's errors name neither).
    private static func load<Loaded>(_ setting: String, _ path: String, _ read: (String) throws -> Loaded) throws
        -> Loaded
    {
        do {
            return try read(path)
        } catch {
            throw Failure(description: "cannot load \(setting) \(path): \(error)", status: nil)
        }
    }
}
