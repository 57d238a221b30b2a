import ArgumentParser
import Foundation
import TroupeCatalog
import TroupeClient
import TroupeCore
import TroupeWire

extension Agent {
    /// `agent play`: episodes of any environment with a random policy, through `envd`.
    struct Play: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Play episodes of an environment through envd with a random policy and print what happened.",
            discussion: """
                Connects to envd (the default socket, or --endpoint), makes one session, and plays \
                --episodes episodes: reset with seeds --seed, --seed+1, …; each action is drawn by \
                the environment's registered action sampler (Gymnasium's action_space.sample()) \
                from a stream seeded by --seed, so a run is reproducible.
                """)

        @OptionGroup var endpoints: EndpointOptions

        @Option(help: "Environment id (see `envd list`).")
        var env = "echo-v0"

        @Option(help: "Configuration for make, as a JSON object.")
        var config = "{}"

        @Option(help: "Episodes to play.")
        var episodes = 3

        @Option(help: "Seed of the first episode (and of the policy).")
        var seed: UInt64 = 1

        @Option(help: "Give up on an episode after this many steps (its step limit applies first).")
        var maxSteps = 1_000

        @Flag(help: "Print every step.")
        var verbose = false

        func validate() throws {
            guard episodes > 0, maxSteps > 0 else {
                throw ValidationError("--episodes and --max-steps must be positive")
            }
        }

        func run() async throws {
            let configuration: JSONValue
            do {
                configuration = try JSONValue.parse(config)
            } catch {
                throw ValidationError("--config is not valid JSON: \(error)")
            }
            guard let registration = builtinEnvironments.registrations[env] else {
                throw ValidationError(
                    "no random policy for '\(env)': agent play knows the built-in environments (\(builtinEnvironments.specs.map(\.id).joined(separator: ", ")))"
                )
            }
            let texts = endpoints.endpoint.isEmpty ? [WireProtocol.defaultSocketPath] : endpoints.endpoint
            let parsed = try texts.map { text in
                guard let endpoint = Endpoint(parsing: text) else {
                    throw ValidationError("--endpoint '\(text)' is not unix:PATH, a path, or tcp:HOST:PORT")
                }
                return endpoint
            }
            let pool: EnvdPool
            do {
                pool = try await EnvdPool.connect(
                    to: parsed, token: endpoints.token ?? ProcessInfo.processInfo.environment["ENVD_TOKEN"])
            } catch {
                throw ValidationError("\(error); start one with `envd serve`")
            }
            let session = try await pool.makeSession(env, config: configuration, seed: seed)
            print("playing \(episodes) episode(s) of \(env) on session \(session.id) (\(session.spec.summary))")
            var policy = SeededRNG(seed: seed, stream: "agent-play")
            var totals: (steps: Int, reward: Double, wins: Int, truncated: Int) = (0, 0, 0, 0)
            for episode in 0..<episodes {
                let first = try await session.reset(seed: seed &+ UInt64(episode))
                if verbose { print("  reset: \(Self.short(first.observation))") }
                var observation = first.observation
                var info = first.info
                var steps = 0
                var reward = 0.0
                var last = StepResult(observation: observation)
                while steps < maxSteps {
                    let action = registration.sampleAction(observation, info, &policy)
                    last = try await session.step(action)
                    steps += 1
                    reward += last.reward
                    if verbose {
                        print(
                            "  step \(steps): \(Self.short(action)) -> \(Self.short(last.observation)) reward \(last.reward)"
                        )
                    }
                    if last.done { break }
                    (observation, info) = (last.observation, last.info)
                }
                let ending = last.terminated ? "terminated" : (last.truncated ? "truncated" : "stopped at --max-steps")
                print(
                    "episode \(episode + 1): \(steps) steps, return \(reward), \(ending); last observation: \(Self.short(last.observation))"
                )
                totals.steps += steps
                totals.reward += reward
                if last.terminated { totals.wins += 1 }
                if last.truncated { totals.truncated += 1 }
            }
            try await session.close()
            let stats = try await pool.clients[0].stats()
            await pool.close()
            let mean = totals.reward / Double(episodes)
            print(
                "summary: \(episodes) episodes, \(totals.steps) steps, mean return \(String(format: "%.3f", mean)), \(totals.wins) terminated, \(totals.truncated) truncated"
            )
            let served = stats["totals"]?["requests"]?["step"]?.intValue ?? 0
            print("envd served \(served) steps in total (uptime \(stats["uptime_ms"]?.intValue ?? 0) ms)")
        }

        /// A value on one short line.
        static func short(_ value: JSONValue) -> String {
            let text = value.stringValue ?? value.serialized()
            let line = text.replacingOccurrences(of: "\n", with: " ")
            return line.count > 100 ? String(line.prefix(97)) + "..." : line
        }
    }
}
