import ArgumentParser
import Foundation
import TroupeBench
import TroupeCatalog
import TroupeCore

extension Envd {
    /// `envd bench`: steps per second of an environment.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure steps per second of an environment (in process).")

        @Option(help: "Environment id (see `envd list`).")
        var env = "echo-v0"

        @Option(help: "Configuration for make, as a JSON object.")
        var config = "{}"

        @Option(help: "Total steps to take.")
        var steps = 100_000

        @Option(help: "Sessions stepped concurrently.")
        var sessions = 1

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() async throws {
            let parsed: JSONValue
            do {
                parsed = try JSONValue.parse(config)
            } catch {
                throw ValidationError("--config is not valid JSON: \(error)")
            }
            let bench = InProcessBench(registry: builtinEnvironments)
            let report = try await bench.run(.init(env: env, config: parsed, steps: steps, sessions: sessions))
            if json {
                print(try JSONValue(encoding: report).serialized())
            } else {
                let rate = String(format: "%.0f", report.stepsPerSecond)
                print(
                    "\(report.env) in process, \(report.sessions) session(s): \(report.steps) steps, \(report.episodes) episodes in \(String(format: "%.3f", report.seconds)) s = \(rate) steps/s"
                )
            }
        }
    }
}
