import Foundation
import HealthCore

/// One member record as Patroni writes it under `members/<name>`: how to reach its PostgreSQL and what it last
/// said about itself.
public struct PatroniMember: Sendable, Equatable {
    public var name: String
    /// Host and port of `conn_url` (`postgres://10.0.0.11:5432/postgres`), used to find the `[[server]]`.
    public var host: String?
    public var port: Int?
    public var apiURL: String?
    /// "primary" (Patroni 3; "master" before), "replica", "standby_leader".
    public var role: String?
    /// "running", "starting", "stopped", "crashed", ...
    public var state: String?
    public var timeline: Int?
    /// The member's WAL position in bytes (`xlog_location`).
    public var walPosition: UInt64?
    /// The member's tags, each value as Patroni compares it with a `?tag_key=value` query.
    public var tags: [String: String]

    public init(
        name: String, host: String? = nil, port: Int? = nil, apiURL: String? = nil, role: String? = nil,
        state: String? = nil, timeline: Int? = nil, walPosition: UInt64? = nil, tags: [String: String] = [:]
    ) {
        self.name = name
        self.host = host
        self.port = port
        self.apiURL = apiURL
        self.role = role
        self.state = state
        self.timeline = timeline
        self.walPosition = walPosition
        self.tags = tags
    }

    private struct Record: Decodable {
        var conn_url: String?
        var api_url: String?
        var role: String?
        var state: String?
        var timeline: Int?
        var xlog_location: UInt64?
        var tags: PatroniTags.Document?
    }

    private struct SyncRecord: Decodable {
        var sync_standby: String?
    }

    /// The standbys a `sync` key's value names; none when it is not the expected JSON. Patroni joins the names
    /// with commas.
    public static func syncStandbys(json: [UInt8]) -> [String] {
        guard let record = try? JSONDecoder().decode(SyncRecord.self, from: Data(json)) else { return [] }
        return (record.sync_standby ?? "").split(separator: ",").map {
            String($0.trimmingCharacters(in: .whitespaces))
        }.filter { !$0.isEmpty }
    }

    /// Reads a record; nil when the value is not a JSON object (a record from another tool, a partial write).
    public init?(name: String, json: [UInt8]) {
        guard let record = try? JSONDecoder().decode(Record.self, from: Data(json)) else { return nil }
        self.init(
            name: name, apiURL: record.api_url, role: record.role, state: record.state, timeline: record.timeline,
            walPosition: record.xlog_location, tags: record.tags?.tags ?? [:])
        if let url = record.conn_url.flatMap(URLComponents.init(string:)) {
            host = url.host.map { $0.hasPrefix("[") ? String($0.dropFirst().dropLast()) : $0 }
            port = url.port ?? 5432
        }
    }

    /// Whether PostgreSQL runs on the member: Patroni 3 also says "streaming" or "in archive recovery" for a
    /// running replica.
    public var isRunning: Bool {
        guard let state else { return true }
        return ["running", "streaming", "in archive recovery"].contains(state)
    }
}
