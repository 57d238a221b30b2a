import ArgumentParser

/// `agent`: runs policies and the language-model engine. The executable only parses arguments;
/// the work is in the libraries.
@main
struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Troupe's agent runner and language-model engine.",
        subcommands: [
            Generate.self, Logprob.self, BenchLM.self, Model.self, SFT.self, DPO.self, RM.self, BenchTrain.self,
        ])
}
