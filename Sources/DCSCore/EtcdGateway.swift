import Foundation

/// Request bodies and replies of etcd's v3 JSON gateway (`/v3/kv/range`, `/v3/watch`, `/v3/auth/authenticate`).
///
/// The gateway maps the gRPC messages to JSON: byte fields are base64, 64-bit integers are decimal strings, and
/// fields at their default value are left out (a PUT event has no `type`, a first watch reply no `events`).
public enum EtcdGateway {
    /// What one line of a watch stream says.
    public enum WatchMessage: Sendable, Equatable {
        /// The watch is set up; the store is at `revision`.
        case created(revision: Int64)
        /// Changes, in order; the store is at `revision`.
        case events([StoreEvent], revision: Int64)
        /// No change; the store is at `revision`.
        case progress(revision: Int64)
        /// The revision the watch asked to start from is gone; history starts after `revision`. Re-read.
        case compacted(revision: Int64)
        /// The server ended the watch (for instance a lost leader election of the etcd cluster).
        case canceled(reason: String)
        /// The gateway reported an error (an expired auth token, a permission).
        case failed(String)
    }

    /// Why a reply could not be read.
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    // MARK: Requests

    /// `/v3/kv/range` for every key from `key` up to `rangeEnd`.
    public static func rangeRequest(key: String, rangeEnd: [UInt8]) -> [UInt8] {
        body(["key": base64(Array(key.utf8)), "range_end": base64(rangeEnd)])
    }

    /// `/v3/kv/range` for one key: the liveness probe reads the leader key, to hold the watch to what it says.
    public static func probeRequest(key: String) -> [UInt8] {
        body(["key": base64(Array(key.utf8))])
    }

    /// `/v3/watch` from `startRevision` for every key from `key` up to `rangeEnd`.
    public static func watchRequest(key: String, rangeEnd: [UInt8], startRevision: Int64) -> [UInt8] {
        body([
            "create_request": [
                "key": base64(Array(key.utf8)), "range_end": base64(rangeEnd), "start_revision": "\(startRevision)",
            ] as [String: Any]
        ])
    }

    /// `/v3/auth/authenticate`.
    public static func authenticateRequest(user: String, password: String) -> [UInt8] {
        body(["name": user, "password": password])
    }

    // MARK: Replies

    private struct Header: Decodable {
        var revision: String?
    }

    private struct KeyValue: Decodable {
        var key: String?
        var value: String?
        var mod_revision: String?
    }

    private struct RangeReply: Decodable {
        var header: Header?
        var kvs: [KeyValue]?
    }

    private struct Event: Decodable {
        var type: String?
        var kv: KeyValue?
    }

    private struct WatchResult: Decodable {
        var header: Header?
        var created: Bool?
        var canceled: Bool?
        var cancel_reason: String?
        var compact_revision: String?
        var events: [Event]?
    }

    private struct GatewayError: Decodable {
        var message: String?
    }

    private struct WatchLine: Decodable {
        var result: WatchResult?
        var error: GatewayError?
    }

    private struct AuthenticateReply: Decodable {
        var token: String?
    }

    /// The keys and the revision of a `/v3/kv/range` reply.
    public static func snapshot(fromRange json: [UInt8]) throws -> StoreSnapshot {
        let reply = try decode(RangeReply.self, json, what: "range reply")
        guard let revision = reply.header?.revision.flatMap(Int64.init) else {
            throw DecodingError(description: "range reply without a revision")
        }
        let entries = try (reply.kvs ?? []).map { kv -> StoreEntry in
            guard let key = kv.key.flatMap(text) else {
                throw DecodingError(description: "range reply key is not base64")
            }
            return StoreEntry(key: key, value: kv.value.flatMap(bytes) ?? [])
        }
        return StoreSnapshot(revision: revision, entries: entries)
    }

    /// The leader key of a `/v3/kv/range` reply for that key alone.
    public static func leaderReading(fromRange json: [UInt8]) throws -> LeaderReading {
        let reply = try decode(RangeReply.self, json, what: "range reply")
        guard let revision = reply.header?.revision.flatMap(Int64.init) else {
            throw DecodingError(description: "range reply without a revision")
        }
        guard let kv = reply.kvs?.first else { return LeaderReading(leader: nil, modRevision: nil, revision: revision) }
        guard let modRevision = kv.mod_revision.flatMap(Int64.init) else {
            throw DecodingError(description: "range reply key without a mod_revision")
        }
        let leader = kv.value.flatMap(bytes).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return LeaderReading(leader: leader, modRevision: modRevision, revision: revision)
    }

    /// One line of a `/v3/watch` stream.
    public static func watchMessage(_ json: [UInt8]) throws -> WatchMessage {
        let line = try decode(WatchLine.self, json, what: "watch message")
        if let error = line.error { return .failed(error.message ?? "unknown error") }
        guard let result = line.result else { throw DecodingError(description: "watch message without a result") }
        let revision = result.header?.revision.flatMap(Int64.init) ?? 0
        if let compacted = result.compact_revision.flatMap(Int64.init), compacted > 0 {
            return .compacted(revision: compacted)
        }
        if result.canceled == true { return .canceled(reason: result.cancel_reason ?? "no reason given") }
        if result.created == true { return .created(revision: revision) }
        guard let events = result.events, !events.isEmpty else { return .progress(revision: revision) }
        return .events(try events.map(event), revision: revision)
    }

    /// The token of an `/v3/auth/authenticate` reply.
    public static func token(fromAuthenticate json: [UInt8]) throws -> String {
        guard let token = try decode(AuthenticateReply.self, json, what: "authenticate reply").token else {
            throw DecodingError(description: "authenticate reply without a token")
        }
        return token
    }

    private static func event(_ event: Event) throws -> StoreEvent {
        guard let kv = event.kv, let key = kv.key.flatMap(text),
            let revision = kv.mod_revision.flatMap(Int64.init)
        else { throw DecodingError(description: "watch event without a key or revision") }
        switch event.type ?? "PUT" {
        case "PUT": return .put(StoreEntry(key: key, value: kv.value.flatMap(bytes) ?? []), revision: revision)
        case "DELETE": return .delete(key: key, revision: revision)
        case let other: throw DecodingError(description: "unknown watch event type \(other.prefix(20))")
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ json: [UInt8], what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(json))
        } catch {
            throw DecodingError(description: "\(what) is not the expected JSON")
        }
    }

    private static func body(_ object: [String: Any]) -> [UInt8] {
        // Only strings, booleans and nested dictionaries of them: serialization cannot fail.
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    private static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    private static func bytes(_ base64: String) -> [UInt8]? { Data(base64Encoded: base64).map(Array.init) }

    private static func text(_ base64: String) -> String? {
        bytes(base64).flatMap { String(validating: $0, as: UTF8.self) }
    }
}
