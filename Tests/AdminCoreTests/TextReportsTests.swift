import XCTest

@testable import AdminCore

final class TextReportsTests: XCTestCase {
    func testServerRoles() {
        XCTAssertEqual(ServerRolesReport.render(Fixtures.snapshot), """
            # listener server role timeline lag_bytes status weight sessions
            pg_rw pg1 primary 7 0 UP 100 2
            pg_ro pg2 replica 7 2048 UP 50 1
            pg_ro pg3 unknown - - MAINT 0 0
            pg_ro pg1 primary 7 - DRAIN 0 0

            """)
    }

    func testSpaceSeparatedFieldsNeverSplit() {
        var snapshot = Fixtures.snapshot
        snapshot.servers[0].status = "no check"
        snapshot.servers[0].name = "x\ty"
        XCTAssertTrue(ServerRolesReport.render(snapshot).contains("\npg_rw x_y primary 7 0 no_check 100 2\n"))
    }

    func testSessions() {
        XCTAssertEqual(SessionsReport.render(Fixtures.snapshot), """
            3.1 pg_rw 192.0.2.10:50000 -> pg1 relaying age=30s in=100 out=2000
            4.1 pg_ro 192.0.2.11:50001 -> - queued age=2s in=0 out=0

            """)
    }

    func testVRRP() {
        XCTAssertEqual(
            VRRPReport.render(Fixtures.snapshot),
            "vi_pg interface=eth0 vrid=51 state=MASTER priority=100 effective_priority=80"
                + " reasons=track_backends_-20 master=10.0.0.10 since=90s vips=10.0.0.100/24,10.0.0.101/24"
                + " version=3 advert_ms=1000 admin=auto sent=0 received=0 transitions=0 dropped=-\n")
        var bare = Fixtures.snapshot
        bare.vrrp = [
            VRRPInstanceStats(
                name: "vi", interface: "eth1", virtualRouterID: 1, state: "INIT", priority: 90, effectivePriority: 90,
                version: 2, advertIntervalMilliseconds: 2000, administrativeBackup: true, advertsSent: 4,
                advertsReceived: 7, transitions: 2, discards: ["bad_ttl": 3, "auth_mismatch": 1])
        ]
        XCTAssertEqual(
            VRRPReport.render(bare),
            "vi interface=eth1 vrid=1 state=INIT priority=90 effective_priority=90 reasons=- master=- since=-"
                + " vips=- version=2 advert_ms=2000 admin=backup sent=4 received=7 transitions=2"
                + " dropped=auth_mismatch:1,bad_ttl:3\n")
        bare.vrrp = []
        XCTAssertEqual(VRRPReport.render(bare), "No VRRP instance configured.\n")
    }

    func testDCS() {
        XCTAssertEqual(DCSReport.render(Fixtures.snapshot), "No [dcs] configured.\n")
        var snapshot = Fixtures.snapshot
        snapshot.dcs = DCSStats(
            type: "etcd3", state: "connected", endpoint: "https://10.0.0.5:2379", revision: 42, leader: "node1",
            leaderServer: "pg1", writes: "leader", lastEventAgeSeconds: 1.2345, onLoss: "keep", events: 17,
            reconnects: 1, resyncs: 2, staleWatches: 4, disagreements: 3,
            members: [
                DCSMemberStats(name: "node1", server: "pg1", role: "primary", state: "running"),
                DCSMemberStats(name: "odd one", server: nil, role: "", state: "stopped"),
            ])
        XCTAssertEqual(DCSReport.render(snapshot), """
            type: etcd3
            state: connected
            endpoint: https://10.0.0.5:2379
            revision: 42
            leader: node1
            leader_server: pg1
            writes: leader
            last_event_age: 1.235
            lost_for: 
            on_dcs_loss: keep
            events: 17
            reconnects: 1
            resyncs: 2
            stale_watches: 4
            disagreements: 3
            members: node1=pg1/primary/running odd_one=-/-/stopped

            """)
    }

    func testHelpListsEveryCommand() {
        let help = HelpReport.render()
        for usage in [
            "help", "prompt", "quit", "show info", "show stat", "show servers state", "show servers roles",
            "show sess", "show vrrp", "show dcs", "set server <l>/<s> state", "set server <l>/<s> weight", "set weight",
            "disable server", "enable server", "shutdown sessions server", "set vrrp <instance> state",
        ] {
            XCTAssertTrue(help.contains("  " + usage), usage)
        }
        // Every usage line parses once its placeholders are filled in, so help cannot drift from the grammar.
        for (usage, _) in HelpReport.commands {
            let example = usage.components(separatedBy: " | ")[0]
                .replacingOccurrences(of: "[<listener>]", with: "pg_ro")
                .replacingOccurrences(of: "<l>/<s>", with: "pg_ro/pg2")
                .replacingOccurrences(of: "<instance>", with: "vi")
                .replacingOccurrences(of: "ready|drain|maint", with: "drain")
                .replacingOccurrences(of: "backup|auto", with: "auto")
                .replacingOccurrences(of: "<0-256>", with: "3")
            XCTAssertNoThrow(try AdminCommand.parse(example).get(), example)
        }
    }

    func testDurationsAndBytes() {
        XCTAssertEqual(Formatting.uptime(seconds: 0), "0d 0h00m00s")
        XCTAssertEqual(Formatting.uptime(seconds: -5), "0d 0h00m00s")
        XCTAssertEqual(Formatting.shortDuration(seconds: 45), "45s")
        XCTAssertEqual(Formatting.shortDuration(seconds: 187), "3m07s")
        XCTAssertEqual(Formatting.shortDuration(seconds: 7_500), "2h05m")
        XCTAssertEqual(Formatting.shortDuration(seconds: 356_400), "4d03h")
        XCTAssertEqual(Formatting.bytes(512), "512 B")
        XCTAssertEqual(Formatting.bytes(1_536), "1.5 KiB")
        XCTAssertEqual(Formatting.bytes(20 << 30), "20.0 GiB")
        XCTAssertEqual(Formatting.bytes(.max), "15.9 EiB")
    }
}
