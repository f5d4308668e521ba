import AsyncHTTPClient
import ConfigModel
import Foundation
import HealthCore
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// `type = "patroni"`: `GET /patroni` on the node's Patroni REST API, which gives state, role, timeline and WAL
/// position in one request.
///
/// Requests go through one `HTTPClient` shared by every Patroni probe. Patroni's API answers in HTTP/1.0 and
/// closes the connection after each answer, so every check costs a TCP handshake on the node; nothing is kept
/// open between checks, and a check never waits behind another one's connection.
final class PatroniProbe: HealthProbe, @unchecked Sendable {
    /// Far more than a `/patroni` document (about 1 KiB); a larger answer is not Patroni.
    static let maxBody = 256 * 1024

    private let url: String
    private let settings: CheckSettings
    private let tls: TLSConfiguration?
    private let eventLoop: EventLoop
    private let client: HTTPClient
    /// Whether this probe made `client` and so must shut it down.
    private let ownsClient: Bool
    private let logger: Logger

    init(
        host: String, port: Int, settings: CheckSettings, eventLoop: EventLoop, httpClient: HTTPClient?,
        logger: Logger
    ) {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        self.url = "\(settings.scheme)://\(bracketed):\(port)/patroni"
        self.settings = settings
        self.tls = settings.caFile.map { caFile in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(caFile)
            return tls
        }
        self.eventLoop = eventLoop
        self.client = httpClient ?? HTTPClient(eventLoopGroup: eventLoop, backgroundActivityLogger: logger)
        self.ownsClient = httpClient == nil
        self.logger = logger
    }

    func check() -> EventLoopFuture<CheckOutcome> {
        let start = NIODeadline.now()
        let request: HTTPClient.Request
        do {
            request = try makeRequest()
        } catch {
            return eventLoop.makeSucceededFuture(.failed(describe(error)).measured(from: start))
        }
        return client.execute(
            request: request, delegate: ResponseAccumulator(request: request, maxBodySize: Self.maxBody),
            eventLoop: .delegate(on: eventLoop), deadline: start + settings.timeout.timeAmount, logger: logger
        )
        .futureResult
        .hop(to: eventLoop)
        .map { Self.outcome(status: $0.status, body: $0.body) }
        .recover { .failed(self.describe($0)) }
        .map { $0.measured(from: start) }
    }

    func shutdown() -> EventLoopFuture<Void> {
        guard ownsClient else { return eventLoop.makeSucceededVoidFuture() }
        return client.shutdown().hop(to: eventLoop)
    }

    /// The verdict on an answer.
    static func outcome(status: HTTPResponseStatus, body: ByteBuffer?) -> CheckOutcome {
        guard status == .ok else { return .failed("patroni answered HTTP \(status.code)") }
        let json = body.map { Data($0.readableBytesView) } ?? Data()
        do {
            return try PatroniStatus(json: json).outcome
        } catch {
            return .failed("patroni answer is not the expected JSON")
        }
    }

    /// The request, with basic auth read from the auth file each time so a rotated password works at once.
    private func makeRequest() throws -> HTTPClient.Request {
        var headers = HTTPHeaders()
        if let authFile = settings.authFile {
            let credentials = try SecretFile.read(authFile, setting: "auth_file")
            headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        }
        return try HTTPClient.Request(url: url, method: .GET, headers: headers, tlsConfiguration: tls)
    }

    private func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded {
            return ProbeFailure.timedOut(after: settings.timeout).description
        }
        return ProbeFailure.describe(error)
    }
}
