// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "pgfloat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pgfloat", targets: ["pgfloat"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.21.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
    ],
    targets: [
        // Pure logic: no sockets, no clocks, no logging.
        .target(name: "PGWire"),
        .target(name: "ConfigModel", dependencies: ["NetTypes", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(name: "MonotonicTime"),
        .target(name: "BalanceCore", dependencies: ["ConfigModel", "MonotonicTime"]),
        .target(name: "HealthCore", dependencies: ["ConfigModel", "MonotonicTime"]),
        .target(name: "AdminCore", dependencies: ["HealthCore"]),
        .target(name: "NetTypes"),
        .target(name: "VRRPCore", dependencies: ["NetTypes", "MonotonicTime"]),
        // haproxy.cfg + keepalived.conf -> pgfloat.toml text, with a warning for what has no equivalent.
        .target(name: "ImportCore", dependencies: ["ConfigModel", "NetTypes"]),
        // Patroni's keys in etcd, the v3 gateway's JSON, and what the store's state means for routing.
        .target(name: "DCSCore", dependencies: ["ConfigModel", "HealthCore", "MonotonicTime"]),

        // C wrappers for what Swift's Glibc module does not expose (epoll, accept4, splice, IP_FREEBIND).
        .target(name: "CSysShim"),
        .target(name: "ThreadMailbox", dependencies: ["CSysShim"]),
        // The one non-blocking path to stderr: a bounded buffer any thread hands lines to, one thread writing.
        .target(name: "LogWriter"),
        // libnl-route-3 for VIPs and link state; its .pc file brings -I/usr/include/libnl3.
        .systemLibrary(
            name: "CNetlink", pkgConfig: "libnl-route-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]
        ),
        // What Glibc lacks for VRRP I/O: AF_PACKET sends (sockaddr_ll), IPv6 control messages, setns.
        .target(name: "CNetShim"),
        // The kernel relay's BPF program (written out as instructions) and its maps, through the bpf() syscall.
        .target(name: "CSockmap"),
        // fork + setgroups/setgid/setuid + exec for scripts run as script_user (posix_spawn cannot switch users).
        .target(name: "CSpawnShim"),
        // libcap for dropping to the capabilities the daemon needs; prctl and setres[ug]id wrappers in its header.
        .systemLibrary(name: "CLibcap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),

        // I/O drivers.
        .target(
            name: "ProxyIO",
            dependencies: [
                "CSysShim", "CSockmap", "PGWire", "BalanceCore", "ConfigModel", "MonotonicTime", "HealthCore",
                "ThreadMailbox", "LogWriter", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(name: "ScriptRunner", dependencies: ["CSpawnShim", "HealthCore", "MonotonicTime"]),
        // Switching to [global] user with CAP_NET_ADMIN, CAP_NET_RAW and CAP_NET_BIND_SERVICE only.
        .target(name: "Privileges", dependencies: ["CLibcap", "ScriptRunner"]),
        // sd_notify over $NOTIFY_SOCKET without libsystemd, and the watchdog's decision.
        .target(name: "SystemdNotify"),
        .target(
            name: "HealthIO",
            dependencies: [
                "HealthCore", "ConfigModel", "MonotonicTime", "ScriptRunner",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "DCSIO",
            dependencies: [
                "DCSCore", "AdminCore", "ConfigModel", "HealthCore", "HealthIO", "MonotonicTime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(name: "VRRPIO", dependencies: ["CNetlink", "CNetShim", "NetTypes"]),
        .target(
            name: "VRRPService",
            dependencies: [
                "VRRPCore", "VRRPIO", "NetTypes", "ConfigModel", "AdminCore", "MonotonicTime", "CSysShim",
                "ThreadMailbox", "HealthCore", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "AdminIO",
            dependencies: [
                "AdminCore", "HealthCore", "HealthIO", "ProxyIO", "ConfigModel", "MonotonicTime", "VRRPService",
                "DCSIO", "LogWriter",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "Daemon",
            dependencies: [
                "ConfigModel", "ProxyIO", "HealthIO", "HealthCore", "BalanceCore", "AdminIO", "VRRPService",
                "ScriptRunner", "VRRPCore", "MonotonicTime", "SystemdNotify", "DCSIO", "LogWriter",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "pgfloat",
            dependencies: [
                "Daemon", "ConfigModel", "AdminIO", "Privileges", "ImportCore", "LogWriter", "VRRPIO",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "PGWireTests", dependencies: ["PGWire"]),
        .testTarget(
            name: "LogWriterTests",
            dependencies: ["LogWriter", "Daemon", "ProxyIO", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "ConfigModelTests", dependencies: ["ConfigModel", "NetTypes"]),
        .testTarget(name: "ImportCoreTests", dependencies: ["ImportCore", "ConfigModel"], exclude: ["Fixtures"]),
        .testTarget(name: "BalanceCoreTests", dependencies: ["BalanceCore", "ConfigModel", "MonotonicTime"]),
        .testTarget(name: "AdminCoreTests", dependencies: ["AdminCore", "HealthCore"]),
        .testTarget(name: "NetTypesTests", dependencies: ["NetTypes"]),
        .testTarget(name: "VRRPIOTests", dependencies: ["VRRPIO", "CNetShim", "NetTypes"]),
        .testTarget(name: "VRRPServiceTests", dependencies: ["VRRPService"]),
        .testTarget(name: "VRRPCoreTests", dependencies: ["VRRPCore", "NetTypes", "MonotonicTime"]),
        .testTarget(
            name: "AdminIOTests",
            dependencies: [
                "AdminIO", "AdminCore", "HealthCore", "HealthIO", "ProxyIO", "ConfigModel", "MonotonicTime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "HealthCoreTests", dependencies: ["HealthCore", "ConfigModel", "MonotonicTime"]),
        .testTarget(name: "DCSCoreTests", dependencies: ["DCSCore", "HealthCore", "ConfigModel", "MonotonicTime"]),
        .testTarget(name: "PrivilegesTests", dependencies: ["Privileges", "ScriptRunner"]),
        .testTarget(name: "SystemdNotifyTests", dependencies: ["SystemdNotify"]),
        .testTarget(name: "ScriptRunnerTests", dependencies: ["ScriptRunner", "HealthCore", "MonotonicTime"]),
        .testTarget(
            name: "DaemonTests",
            dependencies: ["Daemon", "ConfigModel", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "HealthIOTests",
            dependencies: [
                "HealthIO", "HealthCore", "ConfigModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ProxyIOTests",
            dependencies: [
                "ProxyIO", "PGWire", "ConfigModel", "HealthCore", .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
