import Foundation
import TroupeCore

/// One API as a model sees it: a function with ToolBench's name and OpenAI schema, and everything
/// needed to call it (its tool's category, host and the API's own record).
public struct ToolFunction: Sendable {
    /// The category directory (`Weather`).
    public let category: String
    /// The tool's standard name: its file name without `.json` (`weather_hub`).
    public let standardToolName: String
    /// The tool's display name (`Weather Hub`).
    public let toolName: String
    public let toolDescription: String
    /// The RapidAPI host of the tool, if its file names one.
    public let host: String?
    public let api: ToolAPI
    /// The function name (`get_7_day_forecast_for_weather_hub`), see `ToolBenchNames`.
    public let name: String
    /// Parameters under the names the model uses, required ones first.
    public let parameters: [ExposedParameter]
    /// The OpenAI function description, as ToolBench builds it.
    public let openAI: JSONValue

    /// A parameter under its exposed name (`is_from` for ToolBench's `from`).
    public struct ExposedParameter: Sendable {
        public let exposedName: String
        public let parameter: ToolParameter
        public let required: Bool
    }

    /// STE's name for the API: `Tool%%API`.
    public var steName: String { "\(toolName)%%\(api.name)" }

    init(category: String, standardToolName: String, tool: ToolDefinition, api: ToolAPI) {
        self.category = category
        self.standardToolName = standardToolName
        toolName = tool.toolName
        toolDescription = tool.toolDescription
        host = tool.host
        self.api = api
        name = ToolBenchNames.functionName(api: api.name, standardToolName: standardToolName)
        parameters =
            api.requiredParameters.map {
                ExposedParameter(exposedName: ToolBenchNames.parameterName($0.name), parameter: $0, required: true)
            }
            + api.optionalParameters.map {
                ExposedParameter(exposedName: ToolBenchNames.parameterName($0.name), parameter: $0, required: false)
            }
        openAI = ToolFunction.openAIFunction(
            name: name, standardToolName: standardToolName, api: api, parameters: parameters)
    }

    /// ToolBench's `api_json_to_openai_json`: the description prefix, the 256-character cuts,
    /// the type map (NUMBER → integer, STRING → string, BOOLEAN → boolean, anything else →
    /// string) and `example_value` from a non-empty default. One deliberate difference: ToolBench
    /// lists optional parameters only when an API also has required ones (its loop over optional
    /// parameters sits inside the `if` for required ones); here they are always listed.
    static func openAIFunction(
        name: String, standardToolName: String, api: ToolAPI, parameters: [ExposedParameter]
    ) -> JSONValue {
        let limit = 256
        var description = "This is the subfunction for tool \"\(standardToolName)\", you can use this tool."
        let apiDescription = api.description.trimmingCharacters(in: .whitespacesAndNewlines)
        if !apiDescription.isEmpty {
            let replaced = apiDescription.replacingOccurrences(of: api.name, with: name)
            description += "The description of this function is: \"\(prefix(replaced, limit))\""
        }
        let typeMap = ["NUMBER": "integer", "STRING": "string", "BOOLEAN": "boolean"]
        var properties = JSONObject()
        for exposed in parameters {
            var property: JSONObject = [
                "type": .string(typeMap[exposed.parameter.type] ?? "string"),
                "description": .string(prefix(exposed.parameter.description, limit)),
            ]
            if let example = exposed.parameter.example { property["example_value"] = .string(example) }
            properties[exposed.exposedName] = .object(property)
        }
        return [
            "name": .string(name),
            "description": .string(description),
            "parameters": [
                "type": "object",
                "properties": .object(properties),
                "required": .array(parameters.filter(\.required).map { .string($0.exposedName) }),
                "optional": .array(parameters.filter { !$0.required }.map { .string($0.exposedName) }),
            ],
        ]
    }

    private static func prefix(_ text: String, _ count: Int) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(count)))
    }
}

/// ToolBench's terminal function, offered in every episode.
public enum FinishFunction {
    public static let name = "Finish"

    /// The description ToolBench gives the model, word for word.
    public static let openAI: JSONValue = [
        "name": "Finish",
        "description":
            "If you believe that you have obtained a result that can answer the task, please call this function to provide the final answer. Alternatively, if you recognize that you are unable to proceed with the task in the current state, call this function to restart. Remember: you must ALWAYS call this function at the end of your attempt, and the only part that will be shown to the user is the final answer, so it should contain sufficient information.",
        "parameters": [
            "type": "object",
            "properties": [
                "return_type": ["type": "string", "enum": ["give_answer", "give_up_and_restart"]],
                "final_answer": [
                    "type": "string",
                    "description":
                        "The final answer you want to give the user. You should have this field if \"return_type\"==\"give_answer\"",
                ],
            ],
            "required": ["return_type"],
        ],
    ]
}

/// A set of tools loaded from a directory in ToolBench's layout: `<root>/<Category>/<tool>.json`.
/// The built-in catalog ships as a resource of this module; ToolBench's own `data/toolenv/tools`
/// loads the same way (with the `http` backend, since the simulator knows only the built-in APIs).
///
/// Invariant: `functions` is sorted by (category, tool file, API order in the file); `index` maps
/// each function name to its position. Two APIs whose names normalize to the same function name
/// (possible after the 64-character cut) keep the first; `collisions` lists the others.
public struct ToolCatalog: Sendable {
    public let functions: [ToolFunction]
    private let index: [String: Int]
    /// Function names that appeared more than once; later duplicates are not callable.
    public let collisions: [String]

    public init(functions: [ToolFunction]) {
        var index: [String: Int] = [:]
        var collisions: [String] = []
        for (position, function) in functions.enumerated() {
            if index[function.name] == nil { index[function.name] = position } else { collisions.append(function.name) }
        }
        self.functions = functions
        self.index = index
        self.collisions = collisions
    }

    /// The function with this exact name.
    public func function(named name: String) -> ToolFunction? {
        index[name].map { functions[$0] }
    }

    /// The categories, sorted.
    public var categories: [String] { Array(Set(functions.map(\.category))).sorted() }

    /// Loads every `<Category>/<tool>.json` under `directory`.
    ///
    /// - Throws: `ToolsError.catalog` naming the file that is missing or malformed.
    public static func load(directory: URL) throws -> ToolCatalog {
        let manager = FileManager.default
        let categories: [String]
        do {
            categories = try manager.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw ToolsError.catalog(
                "cannot read the tool catalog directory \(directory.path): \(error.localizedDescription)")
        }
        var functions: [ToolFunction] = []
        for category in categories {
            let folder = directory.appendingPathComponent(category)
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                continue
            }
            let files = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }
            for file in files.sorted() {
                let url = folder.appendingPathComponent(file)
                let tool: ToolDefinition
                do {
                    let bytes = [UInt8](try Data(contentsOf: url))
                    tool = try JSONValue.parse(bytes).decode(ToolDefinition.self)
                } catch let error as DecodingError {
                    throw ToolsError.catalog("\(url.path) is not a ToolBench tool file: \(error.readableDescription)")
                } catch {
                    throw ToolsError.catalog("\(url.path) is not a ToolBench tool file: \(error)")
                }
                // ToolBench takes the standard tool name as the file name up to its first dot.
                let standardToolName = String(file.split(separator: ".", omittingEmptySubsequences: false)[0])
                for api in tool.apiList {
                    functions.append(
                        ToolFunction(category: category, standardToolName: standardToolName, tool: tool, api: api))
                }
            }
        }
        guard !functions.isEmpty else {
            throw ToolsError.catalog("no ToolBench tool files (<Category>/<tool>.json) under \(directory.path)")
        }
        return ToolCatalog(functions: functions)
    }

    /// The catalog that ships with Troupe (`envs/tools/catalog`).
    public static func builtin() throws -> ToolCatalog { try builtinResult.get() }

    private static let builtinResult: Result<ToolCatalog, any Error> = Result {
        guard let url = Bundle.module.url(forResource: "catalog", withExtension: nil) else {
            throw ToolsError.catalog("the built-in tool catalog is missing from the ToolsEnv resources")
        }
        return try load(directory: url)
    }
}
