// swift-tools-version:6.0
import PackageDescription

// One-way layout: outpost (CLI) -> Server, Bench -> Inference -> GGUF, CKernels; Server -> OpenAIAPI;
// outpost -> ControlPlane -> FleetCore -> Inference; outpost -> DeviceAgent -> FleetCore, Server.
let package = Package(
    name: "Outpost",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "outpost", targets: ["outpost"]),
        .library(name: "GGUF", targets: ["GGUF"]),
        .library(name: "Inference", targets: ["Inference"]),
        .library(name: "OpenAIAPI", targets: ["OpenAIAPI"]),
        .library(name: "Routing", targets: ["Routing"]),
        .library(name: "Server", targets: ["Server"]),
        .library(name: "FleetCore", targets: ["FleetCore"]),
        .library(name: "ControlPlane", targets: ["ControlPlane"]),
        .library(name: "DeviceAgent", targets: ["DeviceAgent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
    ],
    targets: [
        // SIMD kernels (AVX2, AVX-512 VNNI, NEON) each beside a generic twin; no allocation, threads or I/O.
        .target(
            name: "CKernels",
            // -ffp-contract=off: scalar code must not fuse a*b+c, or dequantization would differ from ggml
            // by one rounding on FMA machines; SIMD kernels call FMA explicitly where they want it.
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]
        ),
        .target(name: "GGUF"),
        .target(name: "Inference", dependencies: ["GGUF", "CKernels"]),
        .target(name: "Bench", dependencies: ["Inference"]),
        // Model optimization: quantize GGUF files (llama.cpp's presets), ladders of variants, reports.
        .target(name: "ModelTools", dependencies: ["GGUF", "Inference", "Bench"]),
        // Edge-vs-cloud decision framework: pure logic over values, no I/O.
        .target(name: "Planning"),
        // OpenAI-compatible wire types: strict request parsing, responses, stream chunks, errors.
        .target(name: "OpenAIAPI"),
        // Routing policy, data classification and PII detection, redaction, circuit breakers, budgets.
        .target(
            name: "Routing",
            dependencies: ["OpenAIAPI", .product(name: "AsyncHTTPClient", package: "async-http-client")]
        ),
        // The HTTP application: routes, auth, metrics, admission, and the scheduler that batches sequences.
        .target(
            name: "Server",
            dependencies: [
                "Inference", "GGUF", "OpenAIAPI", "Routing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Fleet domain without I/O servers: signed manifests (DSSE/in-toto, Ed25519), signed desired states,
        // model variant facts, resource-aware placement, rollout and experiment state machines.
        .target(
            name: "FleetCore",
            dependencies: ["GGUF", "Inference", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The fleet control plane: storage (SQLite or PostgreSQL behind one interface), JSON API, dashboard.
        .target(
            name: "ControlPlane",
            dependencies: [
                "FleetCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The on-device agent: inventory, durable telemetry buffer, resumable verified downloads, model slots
        // with atomic switch and rollback, and the update loop against the control plane.
        .target(
            name: "DeviceAgent",
            dependencies: [
                "FleetCore", "Server", "Inference",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "outpost",
            dependencies: [
                "Inference", "Bench", "GGUF", "Server", "Routing", "OpenAIAPI", "FleetCore", "ControlPlane", "DeviceAgent",
                "ModelTools", "Planning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["GGUF"], path: "Tests/TestSupport"),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["GGUF", "TestSupport"]),
        .testTarget(name: "OpenAIAPITests", dependencies: ["OpenAIAPI"]),
        .testTarget(name: "RoutingTests", dependencies: ["Routing", "OpenAIAPI"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Inference", "OpenAIAPI", "Routing", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(name: "FleetCoreTests", dependencies: ["FleetCore", "GGUF", "Inference", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "ControlPlaneTests",
            dependencies: [
                "ControlPlane", "FleetCore", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "DeviceAgentTests",
            dependencies: [
                "DeviceAgent", "FleetCore", "Server", "GGUF", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "AgentProcessTests",
            dependencies: [
                "DeviceAgent", "ControlPlane", "FleetCore", "GGUF", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "ModelToolsTests", dependencies: ["ModelTools", "Bench", "Inference", "GGUF", "TestSupport"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "Server", "Routing"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "GGUF", "CKernels", "TestSupport", "Bench"]),
    ]
)
