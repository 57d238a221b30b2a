import ArgumentParser

/// `agent`: runs policies against `envd` and the language-model engine. The executable only parses
/// arguments; each verb lives in its own file (`Play.swift`, `Generate.swift`, …).
@main
struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Troupe's agent runner: plays episodes through envd, runs, benchmarks and trains language models.",
        subcommands: [
            Play.self, Generate.self, Logprob.self, BenchLM.self, Model.self, SFT.self, DPO.self, RM.self,
            BenchTrain.self,
        ])
}

/// Where `envd` is, shared by the verbs that talk to it.
struct EndpointOptions: ParsableArguments {
    @Option(help: "envd endpoints: unix:PATH, a socket path, or tcp:HOST:PORT (repeat to spread sessions).")
    var endpoint: [String] = []

    @Option(help: "Token for TCP endpoints (or set ENVD_TOKEN).")
    var token: String?
}
