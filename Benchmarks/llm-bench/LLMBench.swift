import ArgumentParser

/// `llm-bench`: measurements of `llm-v0`'s backends (docs/envs/llm.md quotes its output).
///
/// - `overhead`: what the `openai` backend adds to one HTTP exchange, against a bare libcurl loop
///   on the same server in the same run.
/// - `load`: many concurrent `llm-v0` sessions against one backend: aggregate completion tokens/s
///   and per-request latency percentiles.
@main
struct LLMBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm-bench",
        abstract: "Benchmarks of llm-v0's backends.",
        subcommands: [Overhead.self, Load.self])
}
