import DCSCore
import Foundation
import XCTest

/// Replies as etcd 3.4's gateway writes them (captured from Debian's etcd-server), decoded.
final class EtcdGatewayTests: XCTestCase {
    private func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    func testRangeReplyGivesEntriesAndRevision() throws {
        let json = """
            {"header":{"cluster_id":"1","member_id":"2","revision":"4","raft_term":"2"},\
            "kvs":[{"key":"\(b64("/service/s/leader"))",\
            "create_revision":"3","mod_revision":"3","version":"1","value":"\(b64("node1"))"}],"count":"1"}
            """
        let snapshot = try EtcdGateway.snapshot(fromRange: Array(json.utf8))
        XCTAssertEqual(snapshot.revision, 4)
        XCTAssertEqual(snapshot.entries, [StoreEntry(key: "/service/s/leader", value: Array("node1".utf8))])
    }

    func testEmptyRangeHasNoKvsField() throws {
        let json = #"{"header":{"revision":"9"}}"#
        XCTAssertEqual(try EtcdGateway.snapshot(fromRange: Array(json.utf8)), StoreSnapshot(revision: 9, entries: []))
    }

    func testProbeReadsTheLeaderKeyWithItsRevisionOrItsAbsence() throws {
        let present = """
            {"header":{"cluster_id":"1","member_id":"2","revision":"3","raft_term":"2"},\
            "kvs":[{"key":"\(b64("/service/s/leader"))","create_revision":"3","mod_revision":"3","version":"1",\
            "value":"\(b64("node1"))"}],"count":"1"}
            """
        XCTAssertEqual(
            try EtcdGateway.leaderReading(fromRange: Array(present.utf8)),
            LeaderReading(leader: "node1", modRevision: 3, revision: 3))
        let absent = #"{"header":{"cluster_id":"1","member_id":"2","revision":"7","raft_term":"2"}}"#
        XCTAssertEqual(
            try EtcdGateway.leaderReading(fromRange: Array(absent.utf8)),
            LeaderReading(leader: nil, modRevision: nil, revision: 7))
        XCTAssertThrowsError(try EtcdGateway.leaderReading(fromRange: Array(#"{"kvs":[]}"#.utf8)))
    }

    func testWatchCreatedThenEventsWithPutAndDelete() throws {
        let created = #"{"result":{"header":{"revision":"4"},"created":true}}"#
        XCTAssertEqual(try EtcdGateway.watchMessage(Array(created.utf8)), .created(revision: 4))
        let events = """
            {"result":{"header":{"revision":"5"},"events":[{"kv":{"key":"\(b64("/service/s/leader"))",\
            "mod_revision":"5","value":"\(b64("node2"))"}},\
            {"type":"DELETE","kv":{"key":"\(b64("/service/s/members/node1"))","mod_revision":"6"}}]}}
            """
        XCTAssertEqual(
            try EtcdGateway.watchMessage(Array(events.utf8)),
            .events(
                [
                    .put(StoreEntry(key: "/service/s/leader", value: Array("node2".utf8)), revision: 5),
                    .delete(key: "/service/s/members/node1", revision: 6),
                ], revision: 5))
    }

    func testCompactedWatchAsksForARead() throws {
        let line = #"{"result":{"header":{"raft_term":"2"},"canceled":true,"compact_revision":"5"}}"#
        XCTAssertEqual(try EtcdGateway.watchMessage(Array(line.utf8)), .compacted(revision: 5))
    }

    func testCanceledAndErrorLines() throws {
        let canceled = #"{"result":{"header":{},"canceled":true,"cancel_reason":"mvcc: watcher range is empty"}}"#
        XCTAssertEqual(
            try EtcdGateway.watchMessage(Array(canceled.utf8)), .canceled(reason: "mvcc: watcher range is empty"))
        let error = #"{"error":{"grpc_code":16,"http_code":401,"message":"etcdserver: invalid auth token"}}"#
        XCTAssertEqual(try EtcdGateway.watchMessage(Array(error.utf8)), .failed("etcdserver: invalid auth token"))
    }

    func testMalformedLinesThrowInsteadOfCrashing() {
        for line in ["", "{", "[]", #"{"result":{"events":[{"kv":{"key":"!!!","mod_revision":"1"}}]}}"#,
                     #"{"result":{"events":[{"type":"BOGUS","kv":{"key":"YQ==","mod_revision":"1"}}]}}"#,
                     #"{"other":1}"#]
        {
            XCTAssertThrowsError(try EtcdGateway.watchMessage(Array(line.utf8)), line)
        }
        XCTAssertThrowsError(try EtcdGateway.snapshot(fromRange: Array(#"{"kvs":[]}"#.utf8)))
    }

    func testRequestsAreBase64WithRangeEndAndRevisionAsString() throws {
        let layout = PatroniLayout(namespace: "/service", scope: "s")
        let body = EtcdGateway.watchRequest(key: layout.scopePrefix, rangeEnd: layout.rangeEnd, startRevision: 12)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body)) as? [String: [String: String]])
        XCTAssertEqual(object["create_request"]?["key"], b64("/service/s/"))
        XCTAssertEqual(object["create_request"]?["range_end"], b64("/service/s0"))
        XCTAssertEqual(object["create_request"]?["start_revision"], "12")
    }

    func testTokenFromAuthenticate() throws {
        XCTAssertEqual(try EtcdGateway.token(fromAuthenticate: Array(#"{"header":{},"token":"abc.7"}"#.utf8)), "abc.7")
        XCTAssertThrowsError(try EtcdGateway.token(fromAuthenticate: Array(#"{"header":{}}"#.utf8)))
    }
}
