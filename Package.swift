// swift-tools-version:6.0
import PackageDescription

// One-way layout: outpost (CLI) -> Bench -> Inference -> GGUF, CKernels.
let package = Package(
    name: "Outpost",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "outpost", targets: ["outpost"]),
        .library(name: "GGUF", targets: ["GGUF"]),
        .library(name: "Inference", targets: ["Inference"]),
        .library(name: "OpenAIAPI", targets: ["OpenAIAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        // OpenAI-compatible wire types: strict request parsing, responses, stream chunks, errors.
        .target(name: "OpenAIAPI"),
        .executableTarget(
            name: "outpost",
            dependencies: [
                "Inference", "Bench", "GGUF",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["GGUF"], path: "Tests/TestSupport"),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["GGUF", "TestSupport"]),
        .testTarget(name: "OpenAIAPITests", dependencies: ["OpenAIAPI"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "GGUF", "CKernels", "TestSupport", "Bench"]),
    ]
)
