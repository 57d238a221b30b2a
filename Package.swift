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

let package = Package(
    name: "Troupe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "envd", targets: ["envd"]),
        .executable(name: "agent", targets: ["agent"]),
        .library(name: "TroupeCore", targets: ["TroupeCore"]),
        .library(name: "TroupeHTTP", targets: ["TroupeHTTP"]),
        .library(name: "ToolsEnv", targets: ["ToolsEnv"]),
        .library(name: "TroupeLM", targets: ["TroupeLM"]),
        .library(name: "TroupeTrain", targets: ["TroupeTrain"]),
        .library(name: "TroupeClient", targets: ["TroupeClient"]),
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

        // MARK: HTTP on libcurl's multi interface (the openai and http backends of llm-v0, tools-v0)
        .target(name: "TroupeHTTP", dependencies: ["CCurl"], swiftSettings: swiftSettings),

        // MARK: Language models (tensors on OpenBLAS, GGUF/safetensors, tokenizer, Llama, sampling)
        // The hot loops in C: AVX2 versions compiled per function and chosen at run time, portable
        // versions for every other CPU (no target-wide instruction-set flags anywhere).
        .target(name: "CTroupeKernels", path: "Sources/CTroupeKernels"),
        .target(
            name: "TroupeLM", dependencies: ["COpenBLAS", "CTroupeKernels", "TroupeCore"],
            swiftSettings: swiftSettings),
        .target(
            name: "TroupeWire", dependencies: ["TroupeCore"],
            swiftSettings: swiftSettings),
        .target(
            name: "TroupeServer",
            dependencies: [
                "TroupeCore", "TroupeWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "TroupeClient",
            dependencies: [
                "TroupeCore", "TroupeWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),

        // MARK: Training (LoRA, SFT/DPO/reward-model losses, AdamW, checkpoints, adapter export)
        .target(
            name: "TroupeTrain", dependencies: ["TroupeLM", "TroupeCore"],
            swiftSettings: swiftSettings),

        // MARK: Environments
        .target(
            name: "BasicEnvs", dependencies: ["TroupeCore"], path: "envs/basic",
            swiftSettings: swiftSettings),
        .target(
            name: "ALFWorldEnv", dependencies: ["TroupeCore"], path: "envs/alfworld",
            swiftSettings: swiftSettings),
        .target(
            name: "LLMEnv", dependencies: ["TroupeCore", "TroupeHTTP"], path: "envs/llm", exclude: ["local"],
            swiftSettings: swiftSettings),
        .target(
            name: "LLMLocalBackend", dependencies: ["LLMEnv", "TroupeLM", "TroupeTrain", "TroupeCore"],
            path: "envs/llm/local",
            swiftSettings: swiftSettings),
        .target(
            name: "ReasoningEnv", dependencies: ["TroupeCore"], path: "envs/reasoning",
            swiftSettings: swiftSettings),
        .target(
            name: "MatryoshkaEnv", dependencies: ["TroupeCore", "ALFWorldEnv", "LLMEnv"], path: "envs/matryoshka",
            swiftSettings: swiftSettings),
        .target(
            name: "ToolsEnv", dependencies: ["TroupeCore", "TroupeHTTP"], path: "envs/tools",
            exclude: ["scripts"],
            resources: [.copy("catalog"), .copy("eval")],
            swiftSettings: swiftSettings),
        // python-v0: the Python sandbox. The zygote, the verdict and the harness are Python files
        // embedded in the binary; CPythonSpawn does what must happen between fork and exec.
        .target(name: "CPythonSpawn", path: "envs/python/CSpawn"),
        .target(
            name: "PythonEnv",
            dependencies: [
                "TroupeCore", "CPythonSpawn",
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            path: "envs/python",
            exclude: ["CSpawn"],
            resources: [
                .embedInCode("worker/zygote.py"), .embedInCode("worker/harness.py"),
            ],
            swiftSettings: swiftSettings),

        // MARK: Agents (policies, episode runner, run files; one target per method)
        .target(
            name: "AgentKit", dependencies: ["TroupeCore", "TroupeLM"], path: "agents/kit",
            swiftSettings: swiftSettings),
        .target(
            name: "Matryoshka",
            dependencies: [
                "AgentKit", "TroupeCore", "TroupeClient", "TroupeLM", "TroupeTrain", "MatryoshkaEnv", "ALFWorldEnv",
            ],
            path: "agents/matryoshka", swiftSettings: swiftSettings),

        // MARK: Catalog of built-in environments (one line per environment)
        .target(
            name: "TroupeCatalog",
            dependencies: [
                "TroupeCore", "BasicEnvs", "ALFWorldEnv", "LLMEnv", "LLMLocalBackend", "MatryoshkaEnv", "ReasoningEnv",
                "ToolsEnv",
                "PythonEnv",
            ],
            swiftSettings: swiftSettings),

        // MARK: Benchmarks shared by the executables
        .target(
            name: "TroupeBench", dependencies: ["TroupeCore", "TroupeWire"],
            swiftSettings: swiftSettings),

        // MARK: Executables
        .executableTarget(
            name: "llm-bench",
            dependencies: [
                "LLMEnv", "LLMLocalBackend", "LLMStubServer", "TroupeCore", "CCurl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/llm-bench", swiftSettings: swiftSettings),
        .executableTarget(
            name: "envd",
            dependencies: [
                "TroupeCore", "TroupeCatalog", "TroupeBench", "TroupeServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "agent",
            dependencies: [
                "TroupeCore", "TroupeCatalog", "TroupeClient", "TroupeLM", "TroupeTrain", "AgentKit", "Matryoshka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),

        .executableTarget(
            name: "reasoning-bench", dependencies: ["ReasoningEnv", "TroupeCore"],
            swiftSettings: swiftSettings),

        .executableTarget(
            name: "python-bench",
            dependencies: [
                "TroupeCore", "PythonEnv", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/python", exclude: ["cpu_per_job.py", "fork_floor.py"],
            swiftSettings: swiftSettings),

        // MARK: Tests
        .target(
            name: "LLMStubServer", dependencies: ["TroupeCore"], path: "Tests/LLMStubServer",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LLMEnvTests", dependencies: ["LLMEnv", "LLMStubServer", "TroupeCore", "TroupeHTTP"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TroupeHTTPTests", dependencies: ["TroupeHTTP", "LLMStubServer"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LLMLocalBackendTests",
            dependencies: ["LLMLocalBackend", "LLMEnv", "TroupeLM", "TroupeTrain", "TroupeCore"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ReasoningEnvTests", dependencies: ["ReasoningEnv", "TroupeCore"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TroupeCoreTests", dependencies: ["TroupeCore", "TroupeCatalog", "BasicEnvs"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TroupeWireTests", dependencies: ["TroupeCore", "TroupeWire"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TroupeServerTests",
            dependencies: [
                "TroupeCore", "TroupeWire", "TroupeServer", "TroupeClient", "TroupeCatalog", "TroupeBench",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ALFWorldEnvTests",
            dependencies: [
                "ALFWorldEnv", "TroupeCore", "TroupeCatalog", "TroupeServer", "TroupeClient",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Transcripts")], swiftSettings: swiftSettings),
        .testTarget(
            name: "MatryoshkaEnvTests",
            dependencies: ["MatryoshkaEnv", "ALFWorldEnv", "LLMEnv", "TroupeCore", "TroupeCatalog"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MatryoshkaTests",
            dependencies: ["Matryoshka", "AgentKit", "MatryoshkaEnv", "TroupeCatalog", "TroupeCore", "TroupeLM"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ToolsEnvTests", dependencies: ["ToolsEnv", "TroupeCore", "TroupeCatalog"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TroupeLMTests", dependencies: ["TroupeLM", "TroupeCore"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PythonEnvTests", dependencies: ["TroupeCore", "TroupeCatalog", "PythonEnv", "ReasoningEnv"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "TroupeTrainTests", dependencies: ["TroupeTrain", "TroupeLM", "TroupeCore"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
    ]
)
