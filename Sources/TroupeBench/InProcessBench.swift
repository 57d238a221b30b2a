import Foundation
import TroupeCore

/// Measures an environment's own speed in process: sessions made from a registry, stepped with the
/// registration's action sampler, reset whenever an episode ends. This is the ceiling any
/// transport can reach for that environment; the socket benchmarks compare against it.
public struct InProcessBench: Sendable {
    /// What to run.
    public struct Options: Sendable {
        public var env: String
        public var config: JSONValue
        /// Total steps across all sessions.
        public var steps: Int
        /// Sessions stepped concurrently, each in its own task.
        public var sessions: Int
        public var seed: UInt64

        public init(env: String, config: JSONValue = .null, steps: Int = 100_000, sessions: Int = 1, seed: UInt64 = 1) {
            self.env = env
            self.config = config
            self.steps = steps
            self.sessions = sessions
            self.seed = seed
        }
    }

    /// What was measured.
    public struct Report: Sendable, Codable {
        public var env: String
        public var sessions: Int
        public var steps: Int
        public var episodes: Int
        public var seconds: Double
        public var stepsPerSecond: Double { Double(steps) / seconds }
    }

    public let registry: EnvRegistry

    public init(registry: EnvRegistry) { self.registry = registry }

    /// Runs the benchmark. Resets are not counted as steps but their time is included.
    public func run(_ options: Options) async throws -> Report {
        let registration = try registry.registration(options.env)
        let shared = SharedResources()
        let perSession = max(1, options.steps / max(1, options.sessions))
        var envs: [any Environment] = []
        for index in 0..<options.sessions {
            let context = MakeContext(seed: options.seed &+ UInt64(index), shared: shared)
            envs.append(try await registry.make(options.env, config: options.config, context: context))
        }
        let clock = ContinuousClock()
        let start = clock.now
        let episodes = try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, env) in envs.enumerated() {
                group.addTask {
                    // The action stream must not mirror the environment's own stream (same seed, same draws).
                    var rng = SeededRNG(seed: options.seed &+ UInt64(index), stream: "actions")
                    var first = try await env.reset(seed: options.seed &+ UInt64(index), options: .null)
                    var observation = first.observation
                    var info = first.info
                    var episodes = 1
                    for _ in 0..<perSession {
                        let result = try await env.step(registration.sampleAction(observation, info, &rng))
                        if result.done {
                            first = try await env.reset(seed: nil, options: .null)
                            (observation, info) = (first.observation, first.info)
                            episodes += 1
                        } else {
                            (observation, info) = (result.observation, result.info)
                        }
                    }
                    return episodes
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = clock.now - start
        for env in envs { await env.close() }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Report(
            env: options.env, sessions: options.sessions, steps: perSession * envs.count, episodes: episodes,
            seconds: seconds)
    }
}
