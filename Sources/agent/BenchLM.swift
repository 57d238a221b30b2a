import ArgumentParser

extension Agent {
    struct BenchLM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "bench-lm", abstract: "placeholder")
        func run() async throws {}
    }
}
