import ArgumentParser
import TroupeCatalog
import TroupeCore

/// `envd`: hosts Troupe environments. The executable only parses arguments; the work is in the
/// libraries.
@main
struct Envd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envd",
        abstract: "Troupe's environment server.",
        subcommands: [Serve.self, List.self, Bench.self, NIOEchoFloorCommand.self])
}

extension Envd {
    /// `envd list`: the registered environments.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the registered environments.")

        @Flag(help: "Print the specs as JSON, one per line.")
        var json = false

        func run() async throws {
            for spec in builtinEnvironments.specs {
                if json {
                    print(try JSONValue(encoding: spec).serialized())
                } else {
                    let steps = spec.maxEpisodeSteps.map { "max \($0) steps" } ?? "no step limit"
                    let caps =
                        spec.capabilities.isEmpty
                        ? "" : ", " + spec.capabilities.map(\.rawValue).sorted().joined(separator: ", ")
                    print(
                        "\(spec.id.padding(toLength: 28, withPad: " ", startingAt: 0)) \(spec.summary) (\(steps)\(caps))"
                    )
                }
            }
        }
    }
}
