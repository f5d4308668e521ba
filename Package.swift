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
    ],
    targets: [
        // Pure logic: no sockets, no clocks, no logging.
        .target(name: "PGWire"),
        .target(name: "ConfigModel", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        .target(name: "BalanceCore", dependencies: ["ConfigModel"]),
        .target(name: "HealthCore"),

        // C wrappers for what Swift's Glibc module does not expose (epoll, accept4, splice, IP_FREEBIND).
        .target(name: "CSysShim"),

        // I/O drivers.
        .target(
            name: "ProxyIO",
            dependencies: [
                "CSysShim", "PGWire", "BalanceCore", "ConfigModel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "HealthIO",
            dependencies: [
                "HealthCore", "ConfigModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Daemon",
            dependencies: [
                "ConfigModel", "ProxyIO", "HealthIO", "HealthCore", "BalanceCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "pgfloat",
            dependencies: [
                "Daemon", "ConfigModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "PGWireTests", dependencies: ["PGWire"]),
        .testTarget(name: "ConfigModelTests", dependencies: ["ConfigModel"]),
        .testTarget(name: "BalanceCoreTests", dependencies: ["BalanceCore", "ConfigModel"]),
        .testTarget(name: "HealthCoreTests", dependencies: ["HealthCore"]),
        .testTarget(
            name: "ProxyIOTests",
            dependencies: [
                "ProxyIO", "PGWire", "ConfigModel", .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
