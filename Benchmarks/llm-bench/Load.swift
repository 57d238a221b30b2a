import ArgumentParser
import Foundation
import LLMEnv
import LLMLocalBackend
import LLMStubServer
import TroupeCore

extension LLMBench {
    /// `llm-bench load`: concurrent `llm-v0` sessions against one backend, or several backends
    /// compared in one run.
    ///
    /// For each session count, that many sessions share one backend (as an `envd` serving them
    /// would) and each asks `--requests-per-session` distinct questions in a row with
    /// `--max-tokens`. Reported: completion tokens per second over the wall time of the level,
    /// requests per second, and per-request latency percentiles; for the `local` backend also how
    /// full its batches were. With several `--config`s, each level runs once per configuration,
    /// one after the other (so slow drift in the machine's load hits all of them), and the
    /// throughput of the first is divided by each other's.
    ///
    /// `--stub-delay-ms` measures the `openai` path itself at high concurrency: an in-process stub
    /// server answers every request after that delay with `--max-tokens` words.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure aggregate tokens/s and latency of many concurrent llm-v0 sessions.")

        @Option(
            help:
                "An llm-v0 configuration, as a JSON object (an openai backend and model, a local backend). Repeat it to compare backends in one run."
        )
        var config: [String] = []

        @Option(
            name: .customLong("stub-delay-ms"),
            help: "Instead of --config: an openai backend on an in-process stub server answering after this delay.")
        var stubDelayMS: Int?

        @Option(help: "Comma-separated session counts, one level each.")
        var sessions = "16,64"

        @Option(name: .customLong("requests-per-session"), help: "Requests each session makes per level.")
        var requestsPerSession = 2

        @Option(name: .customLong("max-tokens"), help: "max_tokens of each request.")
        var maxTokens = 64

        @Option(help: "Sampling temperature.")
        var temperature = 0.0

        @Flag(help: "Print one JSON report per level and configuration.")
        var json = false

        var levels: [Int] { sessions.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

        func validate() throws {
            guard config.isEmpty != (stubDelayMS == nil) else {
                throw ValidationError("give --config (one or more) or --stub-delay-ms, not both")
            }
            guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 }), levels.count == sessions.split(separator: ",").count
            else {
                throw ValidationError("--sessions must be positive integers separated by commas, such as 16,64")
            }
            guard requestsPerSession > 0, maxTokens > 0 else {
                throw ValidationError("--requests-per-session and --max-tokens must be positive")
            }
        }

        /// One configuration under test, with the resources its sessions share across levels (so
        /// a model is loaded once).
        struct Subject {
            var label: String
            var config: JSONValue
            let shared = SharedResources()
        }

        func run() async throws {
            var stub: StubHTTPServer?
            defer { stub?.stop() }
            var subjects: [Subject] = []
            if let stubDelayMS {
                let words = maxTokens
                let server = try StubHTTPServer(recordRequests: false) { request in
                    usleep(useconds_t(stubDelayMS * 1000))
                    return .completion(
                        Array(repeating: "word", count: words).joined(separator: " "), for: request,
                        finishReason: "length")
                }
                stub = server
                let config: JSONValue = [
                    "backend": ["kind": "openai", "base_url": .string(server.baseURL), "max_concurrency": 4096],
                    "model": "stub",
                ]
                subjects.append(Subject(label: "openai", config: config))
            } else {
                for text in config {
                    let parsed: JSONValue
                    do {
                        parsed = try JSONValue.parse(text)
                    } catch {
                        throw ValidationError("--config is not valid JSON: \(error)")
                    }
                    var label = parsed["backend"]?["kind"]?.stringValue ?? parsed["backend"]?.stringValue ?? "sim"
                    if subjects.contains(where: { $0.label == label }) { label += "#\(subjects.count + 1)" }
                    subjects.append(Subject(label: label, config: parsed))
                }
            }
            let registry = EnvRegistry([LLMEnv.registration(backends: LLMBackendKind.builtin + [LocalBackend.kind])])
            if !json {
                print(
                    "backend   sessions  requests  errors  tokens  wall s  tokens/s  req/s  p50 ms  p99 ms  mean batch")
            }
            for level in levels {
                var throughputs: [Double] = []
                for subject in subjects {
                    let report = try await measure(subject, level: level, registry: registry)
                    throughputs.append(report.tokensPerSecond)
                    print(json ? report.json.serialized() : report.row)
                    if !report.errors.isEmpty, !json {
                        print("  errors: \(Set(report.errors).sorted().joined(separator: ", "))")
                    }
                }
                if !json, subjects.count > 1 {
                    for (subject, throughput) in zip(subjects, throughputs).dropFirst() {
                        let ratio = throughput > 0 ? format(throughputs[0] / throughput, digits: 2) + "x" : "-"
                        print(
                            "  \(level) sessions: \(subjects[0].label) tokens/s ÷ \(subject.label) tokens/s = \(ratio)")
                    }
                }
            }
        }

        /// What one level of one configuration measured.
        struct Report {
            var label: String
            var sessions: Int
            var requests: Int
            var errors: [String]
            var tokens: Int
            var wall: Double
            var latency: Samples
            /// Tokens the local engine generated per forward pass during the level (nil: not local).
            var meanBatch: Double?

            var tokensPerSecond: Double { Double(tokens) / wall }

            var row: String {
                [
                    label.padding(toLength: 8, withPad: " ", startingAt: 0), "\(sessions)".leftPadded(8),
                    "\(requests)".leftPadded(8), "\(errors.count)".leftPadded(6), "\(tokens)".leftPadded(6),
                    format(wall).leftPadded(6), format(tokensPerSecond).leftPadded(8),
                    format(Double(requests) / wall).leftPadded(5), format(latency.median * 1000).leftPadded(6),
                    format(latency.percentile(99) * 1000).leftPadded(6),
                    (meanBatch.map { format($0) } ?? "-").leftPadded(10),
                ].joined(separator: "  ")
            }

            var json: JSONValue {
                [
                    "backend": .string(label), "sessions": .number(sessions), "requests": .number(requests),
                    "errors": .number(errors.count),
                    "error_codes": .array(Array(Set(errors)).sorted().map { .string($0) }),
                    "completion_tokens": .number(tokens), "wall_s": .double(wall),
                    "tokens_per_s": .double(tokensPerSecond), "requests_per_s": .double(Double(requests) / wall),
                    "p50_ms": .double(latency.median * 1000), "p99_ms": .double(latency.percentile(99) * 1000),
                    "mean_batch": meanBatch.map { .double($0) } ?? .null,
                ]
            }
        }

        static let topics = [
            "a lighthouse", "a lost key", "the moon", "a bakery", "a robot", "the sea", "a small town", "winter",
            "a train", "a garden", "an old map", "a violin",
        ]

        func measure(_ subject: Subject, level: Int, registry: EnvRegistry) async throws -> Report {
            var envs: [any Environment] = []
            for index in 0..<level {
                let env = try await registry.make(
                    "llm-v0", config: subject.config, context: MakeContext(seed: UInt64(index), shared: subject.shared))
                _ = try await env.reset(seed: UInt64(index), options: .null)
                envs.append(env)
            }
            // One request first, so model loading and connection set-up are not measured.
            _ = try await step(envs[0], ["prompt": "Hello", "max_tokens": 1])
            let engine = await subject.shared.all().values.lazy.compactMap { $0 as? LocalBackend }.first
            let before = engine?.stats
            progress(
                "load: \(subject.label), \(level) sessions × \(requestsPerSession) requests of \(maxTokens) tokens…")
            let (requestsPerSession, maxTokens, temperature) = (requestsPerSession, maxTokens, temperature)
            let clock = ContinuousClock()
            let start = clock.now
            let results = await withTaskGroup(of: [(Double, Int, String?)].self) { group in
                for (index, env) in envs.enumerated() {
                    group.addTask {
                        var out: [(Double, Int, String?)] = []
                        for round in 0..<requestsPerSession {
                            let topic = Load.topics[(index + round * 7) % Load.topics.count]
                            let action: JSONValue = [
                                "messages": [
                                    [
                                        "role": "user",
                                        "content": .string("Write a story about \(topic), number \(index)-\(round)."),
                                    ]
                                ],
                                "max_tokens": .number(maxTokens), "temperature": .double(temperature),
                            ]
                            let began = clock.now
                            do {
                                let result = try await step(env, action)
                                let tokens = result.info["usage"]?["completion_tokens"]?.intValue ?? 0
                                out.append(((clock.now - began).seconds, Int(tokens), nil))
                            } catch {
                                out.append(((clock.now - began).seconds, 0, error.troupeCode.rawValue))
                            }
                        }
                        return out
                    }
                }
                return await group.reduce(into: [(Double, Int, String?)]()) { $0 += $1 }
            }
            let wall = (clock.now - start).seconds
            for env in envs { await env.close() }
            var latency = Samples()
            for (seconds, _, error) in results where error == nil { latency.add(seconds) }
            var meanBatch: Double?
            if let before, let after = engine?.stats, after.steps > before.steps {
                meanBatch = Double(after.tokens - before.tokens) / Double(after.steps - before.steps)
            }
            return Report(
                label: subject.label, sessions: level, requests: results.count, errors: results.compactMap(\.2),
                tokens: results.reduce(0) { $0 + $1.1 }, wall: wall, latency: latency, meanBatch: meanBatch)
        }
    }
}
