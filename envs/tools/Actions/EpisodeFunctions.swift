import TroupeCore

/// The functions offered in one episode, and how names the agent writes resolve to them.
public struct ToolsEpisodeFunctions: Sendable {
    /// Which APIs an episode offers besides its gold ones.
    public enum Scope: String, Sendable, Codable, CaseIterable {
        /// Every API of the gold calls' tools (ToolBench's G1 setting).
        case tool
        /// Every API of the gold calls' categories.
        case category
        /// The whole catalog.
        case all
    }

    public let functions: [ToolFunction]

    public init(_ functions: [ToolFunction]) { self.functions = functions }

    /// The functions offered around `names` (function names of the catalog).
    public static func offered(for names: [String], scope: Scope, catalog: ToolCatalog) -> ToolsEpisodeFunctions {
        let anchors = names.compactMap(catalog.function(named:))
        let tools = Set(anchors.map { "\($0.category)/\($0.standardToolName)" })
        let categories = Set(anchors.map(\.category))
        let chosen = catalog.functions.filter { function in
            switch scope {
            case .tool: return tools.contains("\(function.category)/\(function.standardToolName)")
            case .category: return categories.contains(function.category)
            case .all: return true
            }
        }
        return ToolsEpisodeFunctions(chosen)
    }

    /// The OpenAI function list the agent sees, `Finish` last.
    public var openAI: [JSONValue] { functions.map(\.openAI) + [FinishFunction.openAI] }

    /// The function a name refers to: the exact function name, STE's `Tool%%API` name, or either
    /// of those ignoring case. ToolBench's own lookup (`function_name.endswith(action)`) is not
    /// reproduced: it lets `for_weather_hub` call the first API of that tool.
    public func function(named name: String) -> ToolFunction? {
        if let exact = functions.first(where: { $0.name == name || $0.steName == name }) { return exact }
        let lowered = name.lowercased()
        return functions.first { $0.name.lowercased() == lowered || $0.steName.lowercased() == lowered }
    }

    /// The action with every resolvable call renamed to its function name.
    public func resolve(_ action: AgentAction) -> AgentAction {
        guard case .calls(let calls) = action else { return action }
        return .calls(
            calls.map { call in
                var renamed = call
                if let function = function(named: call.name) { renamed.name = function.name }
                return renamed
            })
    }
}
