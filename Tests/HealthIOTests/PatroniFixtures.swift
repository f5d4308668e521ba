/// `GET /patroni` answers as Patroni 3.x and 4.x send them (field order and values as in a real cluster; the
/// addresses are from the documentation ranges).
enum PatroniFixtures {
    /// Patroni 3.3 leader: `role` is still "master" in 3.x, `xlog.location` is the flush position in bytes.
    static let primary3 = """
        {
          "state": "running",
          "postmaster_start_time": "2024-05-14 09:12:44.105913+00:00",
          "role": "master",
          "server_version": 150007,
          "xlog": {
            "location": 100663296
          },
          "timeline": 3,
          "replication": [
            {
              "usename": "replicator",
              "application_name": "pg-node2",
              "client_addr": "192.0.2.12",
              "state": "streaming",
              "sync_state": "async",
              "sync_priority": 0
            }
          ],
          "dcs_last_seen": 1715678012,
          "tags": {
            "clonefrom": true
          },
          "database_system_identifier": "7368913391592044563",
          "patroni": {
            "version": "3.3.0",
            "scope": "pgcluster",
            "name": "pg-node1"
          }
        }
        """

    /// Patroni 3.3 replica: `state` stays "running"; how it replicates is in `replication_state`.
    static let replica3 = """
        {
          "state": "running",
          "postmaster_start_time": "2024-05-14 09:13:02.471355+00:00",
          "role": "replica",
          "server_version": 150007,
          "xlog": {
            "received_location": 100663296,
            "replayed_location": 100662784,
            "replayed_timestamp": "2024-05-14 09:13:30.512245+00:00",
            "paused": false
          },
          "timeline": 3,
          "replication_state": "streaming",
          "dcs_last_seen": 1715678012,
          "database_system_identifier": "7368913391592044563",
          "patroni": {
            "version": "3.3.0",
            "scope": "pgcluster",
            "name": "pg-node2"
          }
        }
        """

    /// Patroni 4 says "primary".
    static let primary4 = """
        {"state": "running", "postmaster_start_time": "2025-01-20 08:01:12.552231+00:00", "role": "primary",
         "server_version": 160006, "xlog": {"location": 4328521728}, "timeline": 7,
         "dcs_last_seen": 1737360102, "database_system_identifier": "7461770010853027861",
         "patroni": {"version": "4.0.4", "scope": "demo", "name": "node-a"}}
        """

    /// The leader of a standby cluster is itself in recovery.
    static let standbyLeader = """
        {"state": "running", "postmaster_start_time": "2024-11-02 10:00:01.000000+00:00",
         "role": "standby_leader", "server_version": 150008,
         "xlog": {"received_location": 50331648, "replayed_location": 50331648,
                  "replayed_timestamp": null, "paused": false},
         "timeline": 1, "replication_state": "streaming", "dcs_last_seen": 1730541601,
         "patroni": {"version": "3.3.2", "scope": "standby", "name": "dr-1"}}
        """

    /// PostgreSQL stopped under Patroni (as during a restart or a failed start).
    static let stopped = """
        {"state": "stopped", "role": "replica", "dcs_last_seen": 1715678100,
         "database_system_identifier": "7368913391592044563",
         "patroni": {"version": "3.3.0", "scope": "pgcluster", "name": "pg-node3"}}
        """

    /// A replica restoring from the archive has no WAL receiver, so Patroni may not know its timeline yet.
    static let replicaWithoutTimeline = """
        {"state": "running", "role": "replica", "server_version": 150007,
         "xlog": {"received_location": 83886080, "replayed_location": 83886080, "paused": false},
         "timeline": null, "replication_state": "in archive recovery",
         "patroni": {"version": "3.3.0", "scope": "pgcluster", "name": "pg-node4"}}
        """

    /// Patroni 4.0 synchronous standby of a paused cluster, tagged: `sync_standby` and `pause` appear only when
    /// true, boolean tags only when set, custom tags keep their YAML type.
    static let syncStandbyPaused4 = """
        {
          "state": "running",
          "postmaster_start_time": "2025-02-03 10:41:07.228190+00:00",
          "role": "replica",
          "server_version": 160006,
          "xlog": {
            "received_location": 251658240,
            "replayed_location": 251658240,
            "replayed_timestamp": "2025-02-03 10:44:51.006127+00:00",
            "paused": false
          },
          "sync_standby": true,
          "timeline": 4,
          "replication_state": "streaming",
          "pause": true,
          "dcs_last_seen": 1738579492,
          "tags": {
            "nofailover": true,
            "noloadbalance": true,
            "datacenter": "east",
            "rack": 3
          },
          "database_system_identifier": "7466795215108137001",
          "patroni": {
            "version": "4.0.4",
            "scope": "pgcluster",
            "name": "pg-node3"
          }
        }
        """

    /// Patroni 4.0 in quorum commit mode (`synchronous_mode: quorum`): `quorum_standby` instead of `sync_standby`.
    static let quorumStandby4 = """
        {"state": "running", "role": "replica", "server_version": 160006,
         "xlog": {"received_location": 251658240, "replayed_location": 251658240, "paused": false},
         "quorum_standby": true, "timeline": 4, "replication_state": "streaming",
         "tags": {"sync_priority": 2, "owner": null},
         "patroni": {"version": "4.0.4", "scope": "pgcluster", "name": "pg-node2"}}
        """
}
