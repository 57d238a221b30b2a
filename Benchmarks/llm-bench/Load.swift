import ArgumentParser
import Foundation
import LLMEnv
import LLMStubServer
import TroupeCore

extension LLMBench {
    /// `llm-bench load`: concurrent `llm-v0` sessions against one backend.
    ///
    /// For each session count, that many sessions share one backend (as an `envd` serving them
    /// would) and each asks `--requests-per-session` distinct questions in a row with
    /// `--max-tokens`. Reported: completion tokens per second over the wall time of the level,
    /// requests per second, and per-request latency percentiles.
    ///
    /// `--stub-delay-ms` measures the `openai` path itself at high concurrency: an in-process stub
    /// server answers every request after that delay with `--max-tokens` words.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure aggregate tokens/s and latency of many concurrent llm-v0 sessions.")

        @Option(help: "The llm-v0 configuration, as a JSON object (for example an openai backend and model).")
        var config: String?

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

        @Flag(help: "Print one JSON report per level.")
        var json = false

        var levels: [Int] { sessions.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

        func validate() throws {
            guard (config == nil) != (stubDelayMS == nil) else {
                throw ValidationError("give exactly one of --config and --stub-delay-ms")
            }
            guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 }), levels.count == sessions.split(separator: ",").count else {
                throw ValidationError("--sessions must be positive integers separated by commas, such as 16,64")
            }
            guard requestsPerSession > 0, maxTokens > 0 else {
                throw ValidationError("--requests-per-session and --max-tokens must be positive")
            }
        }

        func run() async throws {
            var stub: StubHTTPServer?
            defer { stub?.stop() }
            let parsed: JSONValue
            if let stubDelayMS {
                let words = maxTokens
                let server = try StubHTTPServer(recordRequests: false) { request in
                    usleep(useconds_t(stubDelayMS * 1000))
                    return .completion(
                        Array(repeating: "word", count: words).joined(separator: " "), for: request,
                        finishReason: "length")
                }
                stub = server
                parsed = [
                    "backend": ["kind": "openai", "base_url": .string(server.baseURL), "max_concurrency": 4096],
                    "model": "stub",
                ]
            } else {
                do {
                    parsed = try JSONValue.parse(config ?? "")
                } catch {
                    throw ValidationError("--config is not valid JSON: \(error)")
                }
            }
            let registry = EnvRegistry([LLMEnv.registration])
            let shared = SharedResources()
            let topics = [
                "a lighthouse", "a lost key", "the moon", "a bakery", "a robot", "the sea", "a small town", "winter",
                "a train", "a garden", "an old map", "a violin",
            ]
            if !json { print("sessions  requests  errors  tokens  wall s  tokens/s  req/s  p50 ms  p99 ms") }
            for level in levels {
                var envs: [any Environment] = []
                for index in 0..<level {
                    let env = try await registry.make(
                        "llm-v0", config: parsed, context: MakeContext(seed: UInt64(index), shared: shared))
                    _ = try await env.reset(seed: UInt64(index), options: .null)
                    envs.append(env)
                }
                // One request first, so model loading and connection set-up are not measured.
                _ = try await step(envs[0], ["prompt": "Hello", "max_tokens": 1])
                progress("load: \(level) sessions × \(requestsPerSession) requests of \(maxTokens) tokens…")
                let clock = ContinuousClock()
                let start = clock.now
                let results = await withTaskGroup(of: [(Double, Int, String?)].self) { group in
                    for (index, env) in envs.enumerated() {
                        group.addTask {
                            var out: [(Double, Int, String?)] = []
                            for round in 0..<requestsPerSession {
                                let topic = topics[(index + round * 7) % topics.count]
                                let action: JSONValue = [
                                    "messages": [
                                        ["role": "user", "content": .string("Write a story about \(topic), number \(index)-\(round).")]
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
                let tokens = results.reduce(0) { $0 + $1.1 }
                let errors = results.compactMap(\.2)
                if json {
                    let report: JSONValue = [
                        "sessions": .number(level), "requests": .number(results.count), "errors": .number(errors.count),
                        "error_codes": .array(Array(Set(errors)).sorted().map { .string($0) }),
                        "completion_tokens": .number(tokens), "wall_s": .double(wall),
                        "tokens_per_s": .double(Double(tokens) / wall), "requests_per_s": .double(Double(results.count) / wall),
                        "p50_ms": .double(latency.median * 1000), "p99_ms": .double(latency.percentile(99) * 1000),
                    ]
                    print(report.serialized())
                } else {
                    let columns = [
                        "\(level)".leftPadded(8), "\(results.count)".leftPadded(8), "\(errors.count)".leftPadded(6),
                        "\(tokens)".leftPadded(6), format(wall).leftPadded(6), format(Double(tokens) / wall).leftPadded(8),
                        format(Double(results.count) / wall).leftPadded(5), format(latency.median * 1000).leftPadded(6),
                        format(latency.percentile(99) * 1000).leftPadded(6),
                    ]
                    print(columns.joined(separator: "  "))
                    if !errors.isEmpty { print("  errors: \(Set(errors).sorted().joined(separator: ", "))") }
                }
            }
        }
    }
}
