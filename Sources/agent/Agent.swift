import ArgumentParser

/// `agent`: runs policies against `envd`. The executable only parses arguments; each verb lives in
/// its own file (`Play.swift`, …), and other verbs join `subcommands` as they land.
@main
struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Troupe's agent runner: plays, collects and trains against envd.",
        subcommands: [Play.self])
}

/// Where `envd` is, shared by the verbs that talk to it.
struct EndpointOptions: ParsableArguments {
    @Option(help: "envd endpoints: unix:PATH, a socket path, or tcp:HOST:PORT (repeat to spread sessions).")
    var endpoint: [String] = []

    @Option(help: "Token for TCP endpoints (or set ENVD_TOKEN).")
    var token: String?
}
