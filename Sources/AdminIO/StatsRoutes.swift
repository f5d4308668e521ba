import AdminCore
import NIOCore
import NIOHTTP1

/// A request to the stats endpoint, reduced to what the routes look at.
struct StatsRequest {
    var method: HTTPMethod
    var uri: String
    var authorization: String?
    var body: String
}

/// An answer of the stats endpoint.
struct StatsResponse {
    var status: HTTPResponseStatus
    var contentType = "text/plain; charset=utf-8"
    var headers: [(String, String)] = []
    var body: String

    init(status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8", text: String) {
        self.status = status
        self.contentType = contentType
        self.body = text
    }
}

/// What each path of the stats endpoint answers.
///
/// - `/stats` the page, `/stats;csv` HAProxy's CSV, `/status.json`, `/metrics` (Prometheus text format);
/// - `/health`: 200 while this node's proxy answers (for an outer load balancer), 503 otherwise; never behind
///   auth, as load balancers probe without credentials and it tells nothing secret;
/// - `POST /admin` runtime API lines, only with `stats_admin = true`.
public struct StatsRoutes: Sendable {
    let controller: AdminController
    let metrics: MetricsExporter
    let auth: BasicAuth?
    let allowAdmin: Bool
    let refreshSeconds: Int

    public init(
        controller: AdminController, metrics: MetricsExporter, auth: BasicAuth?, allowAdmin: Bool,
        refresh: Duration
    ) {
        self.controller = controller
        self.metrics = metrics
        self.auth = auth
        self.allowAdmin = allowAdmin
        self.refreshSeconds = max(1, Int(refresh.components.seconds))
    }

    func answer(_ request: StatsRequest) -> EventLoopFuture<StatsResponse> {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        if path == "/health" { return health() }
        if let auth, !auth.allows(authorization: request.authorization) {
            var response = StatsResponse(status: .unauthorized, text: "authentication required\n")
            response.headers = [("WWW-Authenticate", "Basic realm=\"pgfloat\"")]
            return done(response)
        }
        switch (request.method, path) {
        case (.GET, "/"), (.GET, "/stats"):
            return page { StatsResponse(status: .ok, contentType: "text/html; charset=utf-8",
                                        text: StatsPage.render($0, refreshSeconds: self.refreshSeconds)) }
        case (.GET, "/stats;csv"):
            return page {
                StatsResponse(status: .ok, contentType: "text/csv; charset=utf-8", text: StatReport.render($0))
            }
        case (.GET, "/status.json"):
            return page { StatsResponse(status: .ok, contentType: "application/json", text: StatusJSON.render($0)) }
        case (.GET, "/metrics"):
            return page {
                StatsResponse(
                    status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                    text: self.metrics.render($0))
            }
        case (.POST, "/admin") where allowAdmin:
            return runAdmin(request.body)
        case (.POST, "/admin"):
            return done(StatsResponse(status: .forbidden, text: "runtime API over HTTP is off (stats_admin)\n"))
        default:
            return done(StatsResponse(status: .notFound, text: "not found\n"))
        }
    }

    private func done(_ response: StatsResponse) -> EventLoopFuture<StatsResponse> {
        controller.eventLoop.makeSucceededFuture(response)
    }

    private func page(_ render: @escaping (StatsSnapshot) -> StatsResponse) -> EventLoopFuture<StatsResponse> {
        controller.snapshot().map(render)
    }

    private func health() -> EventLoopFuture<StatsResponse> {
        controller.trafficSnapshot().map { _ in StatsResponse(status: .ok, text: "OK\n") }
            .recover { StatsResponse(status: .serviceUnavailable, text: "\($0)\n") }
    }

    /// Runs each command of the body's lines in order, answering as the admin socket would.
    private func runAdmin(_ body: String) -> EventLoopFuture<StatsResponse> {
        let commands = body.split(whereSeparator: \.isNewline).flatMap { AdminCommandLine.split(String($0)) }
        var answers: [String] = []
        var chain = controller.eventLoop.makeSucceededVoidFuture()
        var failed = false
        for text in commands {
            chain = chain.flatMap {
                let output: EventLoopFuture<String>
                switch AdminCommand.parse(text) {
                case .success(let command):
                    output = self.controller.execute(command)
                case .failure(let error):
                    output = self.controller.eventLoop.makeFailedFuture(error)
                }
                return output.recover { error in
                    failed = true
                    return (error as? AdminCommandError)?.message ?? "\(error)"
                }.map { answers.append(AdminResponse.frame($0)) }
            }
        }
        return chain.map {
            StatsResponse(status: failed ? .badRequest : .ok, text: answers.joined())
        }
    }
}
