import ConfigModel
import MonotonicTime
import NIOSSL
import PostgresNIO

/// How a `pgsql` check logs in, rebuilt at every (re)connect so that a rotated password or CA file is picked up.
enum PGSQLConnectionSettings {
    /// Shown in `pg_stat_activity` so a DBA can tell the check's session from clients.
    static let applicationName = "pgfloat health check"

    static func configuration(host: String, port: Int, settings: CheckSettings) throws
        -> PostgresConnection.Configuration
    {
        let password = try settings.passwordFile.map { try SecretFile.read($0, setting: "password_file") }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: settings.user, password: password, database: settings.database,
            tls: try tls(settings))
        configuration.options.connectTimeout = settings.timeout.timeAmount
        configuration.options.additionalStartupParameters = [
            ("application_name", applicationName),
            ("statement_timeout", "\(statementTimeout(checkTimeout: settings.timeout).milliseconds)"),
        ]
        return configuration
    }

    /// The check session's `statement_timeout`: four fifths of the check's timeout, so that the server cancels a
    /// slow query (57014) and its answer arrives before the client gives up and drops the connection. At least
    /// 1 ms, as 0 would disable it.
    static func statementTimeout(checkTimeout: Duration) -> Duration {
        max(checkTimeout * 4 / 5, .milliseconds(1))
    }

    /// TLS as libpq's `sslmode` does it: `require` encrypts without checking the certificate unless a CA file is
    /// given, and then checks the chain but not the host name (libpq's `verify-ca`); `prefer` falls back to
    /// plain text when the server refuses TLS.
    static func tls(_ settings: CheckSettings) throws -> PostgresConnection.Configuration.TLS {
        let mode = settings.sslmode
        if mode == .disable { return .disable }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            tls.trustRoots = .file(caFile)
            tls.certificateVerification = .noHostnameVerification
        } else {
            tls.certificateVerification = .none
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tls)
        } catch {
            throw ProbeFailure(settings.caFile.map { "cannot load ca_file \($0): \(error)" } ?? "TLS setup: \(error)")
        }
        return mode == .require ? .require(context) : .prefer(context)
    }
}
