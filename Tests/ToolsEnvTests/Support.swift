import TroupeCore

@testable import ToolsEnv

/// Shared fixtures for the tools tests.
enum Fixtures {
    static let catalog = try! ToolCatalog.builtin()
    static let evalSet = try! EvalSet.builtin()
    static let world = World(seed: 42)

    static func function(_ name: String) -> ToolFunction { catalog.function(named: name)! }

    /// Arguments for a function from the examples in its catalog entry.
    static func exampleArguments(_ function: ToolFunction) -> JSONObject {
        var arguments = JSONObject()
        for parameter in function.parameters where parameter.required {
            let kind = parameter.parameter.kind
            let example = parameter.parameter.example
            switch kind {
            case .number: arguments[parameter.exposedName] = .int(Int64(example ?? "1") ?? 1)
            case .date: arguments[parameter.exposedName] = .string(world.today.adding(days: 3).iso)
            default: arguments[parameter.exposedName] = .string(example ?? "x")
            }
        }
        return arguments
    }

    static func call(
        _ name: String, _ arguments: JSONObject, world: World = world, state: inout SimState
    ) -> ToolResponse {
        SimulatedBackend.call(function(name), arguments: arguments, world: world, state: &state)
    }

    static func call(_ name: String, _ arguments: JSONObject, world: World = world) -> ToolResponse {
        var state = SimState()
        return call(name, arguments, world: world, state: &state)
    }

    /// A fresh environment session, wrapped as the registry wraps it.
    static func session(_ config: JSONValue = .null, seed: UInt64 = 7) async throws -> any Environment {
        let registry = EnvRegistry([ToolsEnvironment.registration])
        return try await registry.make(
            "tools-v0", config: config, context: MakeContext(seed: seed, shared: SharedResources()))
    }
}
