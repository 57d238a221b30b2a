// swift-tools-version: 6.2
//
// Troupe: a gym-style environment server for LLM agents.
//
// The tree follows the dependency direction (see docs/architecture.md):
//
//   Sources/   the framework: core ← wire ← server / client; lm ← train
//   envs/      one target per environment family (depend on core only)
//   agents/    one target per method (client + lm + train)
//   Sources/envd, Sources/agent   thin executables on top
//
// Native dependencies come from Debian through pkg-config system-library targets.

import PackageDescription

/// Warnings are errors in CI (`scripts/test` sets TROUPE_STRICT=1), and only for our own targets.
let strict = Context.environment["TROUPE_STRICT"] == "1"

let swiftSettings: [SwiftSetting] =
    [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
    ] + (strict ? [.treatAllWarnings(as: .error)] : [])

/// TroupeLM's decode kernels use AVX2, FMA and F16C on x86-64 (Haswell, 2013, and later; every
/// x86 server CPU of the last decade). Other architectures build the portable Swift kernels.
#if arch(x86_64)
    let lmKernelSettings: [SwiftSetting] = [
        .unsafeFlags(["-target-cpu", "haswell", "-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"])
    ]
#else
    let lmKernelSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "Troupe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "envd", targets: ["envd"]),
        .executable(name: "agent", targets: ["agent"]),
        .library(name: "TroupeCore", targets: ["TroupeCore"]),
        .library(name: "TroupeLM", targets: ["TroupeLM"]),
        .library(name: "TroupeTrain", targets: ["TroupeTrain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // MARK: Native libraries (Debian packages named as providers)
        .systemLibrary(
            name: "CJSONC", path: "Sources/CJSONC", pkgConfig: "json-c",
            providers: [.apt(["libjson-c-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),

        // MARK: Framework
        .target(
            name: "TroupeCore",
            dependencies: [
                "CJSONC",
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings),

        // MARK: Language models (tensors on OpenBLAS, GGUF/safetensors, tokenizer, Llama, sampling)
        .target(
            name: "TroupeLM", dependencies: ["COpenBLAS", "TroupeCore"],
            swiftSettings: swiftSettings + lmKernelSettings),

        // MARK: Training (LoRA, SFT/DPO/reward-model losses, AdamW, checkpoints, adapter export)
        .target(
            name: "TroupeTrain", dependencies: ["TroupeLM", "TroupeCore"],
            swiftSettings: swiftSettings + lmKernelSettings),

        // MARK: Environments
        .target(
            name: "BasicEnvs", dependencies: ["TroupeCore"], path: "envs/basic",
            swiftSettings: swiftSettings),

        // MARK: Catalog of built-in environments (one line per environment)
        .target(
            name: "TroupeCatalog", dependencies: ["TroupeCore", "BasicEnvs"],
            swiftSettings: swiftSettings),

        // MARK: Benchmarks shared by the executables
        .target(
            name: "TroupeBench", dependencies: ["TroupeCore"],
            swiftSettings: swiftSettings),

        // MARK: Executables
        .executableTarget(
            name: "envd",
            dependencies: [
                "TroupeCore", "TroupeCatalog", "TroupeBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        .executableTarget(
            name: "agent",
            dependencies: [
                "TroupeCore", "TroupeLM", "TroupeTrain",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        // MARK: Tests
        .testTarget(
            name: "TroupeCoreTests", dependencies: ["TroupeCore", "TroupeCatalog", "BasicEnvs"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TroupeLMTests", dependencies: ["TroupeLM", "TroupeCore"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings + lmKernelSettings),
        .testTarget(
            name: "TroupeTrainTests", dependencies: ["TroupeTrain", "TroupeLM", "TroupeCore"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings + lmKernelSettings),
    ]
)
