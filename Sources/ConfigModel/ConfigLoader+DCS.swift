/// `[dcs]` as read, before its required keys and the checks that span keys are done.
struct DCSDraft {
    var endpoints: [DCSConfig.StoreEndpoint]?
    var scope: String?
    /// Every key that has a default, so the defaults live in ``DCSConfig/init`` only.
    var settings: DCSConfig
    /// Line of the `[dcs]` header.
    var line: Int

    init(line: Int) {
        self.line = line
        settings = DCSConfig(endpoints: [], scope: "", line: line)
    }

    /// The finished table, or nil when a required key is missing (already reported).
    var config: DCSConfig? {
        guard let endpoints, let scope else { return nil }
        var config = settings
        config.endpoints = endpoints
        config.scope = scope
        return config
    }
}

extension ConfigLoader {
    /// Patroni's names for what it keeps in the store, so a `[dcs]` reads like the `etcd3` and `scope` lines of a
    /// patroni.yml.
    static var dcsSchema: TableSchema<DCSDraft> {
        TableSchema([
            .value("type", \.settings.type) { $0.choice("dcs type") },
            .value("endpoints", required: true, \.endpoints) { $0.storeEndpoints() },
            .value("namespace", \.settings.namespace) { $0.storeNamespace() },
            .value("scope", required: true, \.scope) { $0.storeScope() },
            .value("ca_file", \.settings.caFile) { $0.absolutePath() },
            .value("cert_file", \.settings.certFile) { $0.absolutePath() },
            .value("key_file", \.settings.keyFile) { $0.absolutePath() },
            .value("username", \.settings.username) { $0.string() },
            .value("password_file", \.settings.passwordFile) { $0.absolutePath() },
            .value("timeout", \.settings.timeout) { $0.duration() },
            .value("on_dcs_loss", \.settings.onLoss) { $0.choice("on_dcs_loss policy") },
            .value("dcs_loss_grace", \.settings.lossGrace) { $0.duration(allowZero: true) },
            .value("confirm_interval", \.settings.confirmInterval) { $0.duration() },
            .value("confirm_window", \.settings.confirmWindow) { $0.duration(allowZero: true) },
        ])
    }

    /// Keys that only work together: one scheme for every endpoint, TLS files only over TLS, a certificate with
    /// its key, a user with a password.
    static func checkDCS(_ dcs: DCSDraft?, diagnostics: Diagnostics) {
        guard let dcs else { return }
        let table = TableLocation(name: "dcs", occurrence: 0)
        let report = { (key: String, message: String) in
            diagnostics.report(key: "dcs.\(key)", line: diagnostics.line(of: table, key: key), message)
        }
        let settings = dcs.settings
        if let endpoints = dcs.endpoints, Set(endpoints.map(\.tls)).count > 1 {
            report("endpoints", "mixes http:// and https:// endpoints; use one scheme for all")
        }
        let tls = dcs.endpoints?.first?.tls ?? false
        let tlsFiles = [("ca_file", settings.caFile), ("cert_file", settings.certFile)]
        for (key, value) in tlsFiles where value != nil && !tls {
            report(key, "\(key) is used over TLS only; write the endpoints as https://host:port")
        }
        if (settings.certFile == nil) != (settings.keyFile == nil) {
            report(settings.certFile == nil ? "key_file" : "cert_file", "cert_file and key_file go together")
        }
        if (settings.username == nil) != (settings.passwordFile == nil) {
            report(settings.username == nil ? "password_file" : "username", "username and password_file go together")
        }
    }
}

extension Field {
    /// etcd client URLs: `http://host:port`, `https://host:port`, or `host:port` (http); a string or an array.
    func storeEndpoints() -> [DCSConfig.StoreEndpoint]? {
        if value.type == .string { return storeEndpoint().map { [$0] } }
        guard let array = nonEmptyArray(expected: "a URL string or an array of them", element: "endpoint") else {
            return nil
        }
        let endpoints = array.map { element($0).storeEndpoint() }
        return endpoints.contains(nil) ? nil : endpoints.compactMap { $0 }
    }

    private func storeEndpoint() -> DCSConfig.StoreEndpoint? {
        guard var text = string(expected: "a URL string like \"https://10.0.0.5:2379\"") else { return nil }
        var tls = false
        for (scheme, secure) in [("http://", false), ("https://", true)] where text.hasPrefix(scheme) {
            text.removeFirst(scheme.count)
            tls = secure
        }
        if text.hasSuffix("/") { text.removeLast() }
        guard !text.contains("/") else {
            report("endpoint \"\(text)\" has a path or an unknown scheme; write http://host:port or https://host:port")
            return nil
        }
        switch EndpointParser.parse(text, line: line) {
        case .success(let endpoint):
            return DCSConfig.StoreEndpoint(tls: tls, host: endpoint.host, port: endpoint.port)
        case .failure(let error):
            report(error.message)
            return nil
        }
    }

    /// Patroni's namespace: an absolute key prefix, kept without its trailing slash.
    func storeNamespace() -> String? {
        guard var namespace = string() else { return nil }
        while namespace.count > 1, namespace.hasSuffix("/") { namespace.removeLast() }
        guard namespace.hasPrefix("/") else {
            report("expected a namespace starting with \"/\", like \"/service\", got \"\(namespace)\"")
            return nil
        }
        return namespace == "/" ? "" : namespace
    }

    /// Patroni's scope: one key segment.
    func storeScope() -> String? {
        guard let scope = string() else { return nil }
        guard !scope.isEmpty, !scope.contains("/") else {
            report("expected a cluster name without \"/\", got \"\(scope)\"")
            return nil
        }
        return scope
    }
}
