import TroupeCore

/// One tool file in ToolBench's format (`data/toolenv/tools/<Category>/<standard_tool_name>.json`):
/// a RapidAPI tool and its APIs. Fields ToolBench's crawler adds and nothing here reads (`code`,
/// `pricing`, `score`, …) are ignored when decoding.
public struct ToolDefinition: Codable, Sendable, Equatable {
    /// The display name (`"Weather Hub"`); `standardize` of it is the usual file name.
    public var toolName: String
    public var toolDescription: String
    /// The RapidAPI host (`weather-hub.p.rapidapi.com`), when the file names one.
    public var host: String?
    public var apiList: [ToolAPI]

    enum CodingKeys: String, CodingKey {
        case toolName = "tool_name"
        case toolDescription = "tool_description"
        case host
        case apiList = "api_list"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        toolName = try c.decode(String.self, forKey: .toolName)
        toolDescription = try c.decodeIfPresent(String.self, forKey: .toolDescription) ?? ""
        host = try c.decodeIfPresent(String.self, forKey: .host)
        apiList = try c.decodeIfPresent([ToolAPI].self, forKey: .apiList) ?? []
    }
}

/// One API of a tool, as ToolBench stores it.
public struct ToolAPI: Codable, Sendable, Equatable {
    /// The API's display name (`"7-Day Forecast"`).
    public var name: String
    /// The RapidAPI endpoint; `{name}` segments are path parameters.
    public var url: String
    public var description: String
    /// `GET` or `POST` (ToolBench's files also hold other verbs).
    public var method: String
    public var requiredParameters: [ToolParameter]
    public var optionalParameters: [ToolParameter]

    enum CodingKeys: String, CodingKey {
        case name, url, description, method
        case requiredParameters = "required_parameters"
        case optionalParameters = "optional_parameters"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        url = try c.decodeIfPresent(String.self, forKey: .url) ?? ""
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        method = (try c.decodeIfPresent(String.self, forKey: .method) ?? "GET").uppercased()
        requiredParameters = try c.decodeIfPresent([ToolParameter].self, forKey: .requiredParameters) ?? []
        optionalParameters = try c.decodeIfPresent([ToolParameter].self, forKey: .optionalParameters) ?? []
    }
}

/// A parameter of an API. `type` is ToolBench's vocabulary: `STRING`, `NUMBER`, `BOOLEAN`, `ENUM`,
/// `DATE (YYYY-MM-DD)`, `ARRAY`, and in crawled data also lowercase `string` and others.
public struct ToolParameter: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    public var description: String
    /// ToolBench stores defaults as strings (often `""`); any JSON is accepted.
    public var defaultValue: JSONValue

    enum CodingKeys: String, CodingKey {
        case name, type, description
        case defaultValue = "default"
    }

    public init(name: String, type: String, description: String = "", defaultValue: JSONValue = "") {
        self.name = name
        self.type = type
        self.description = description
        self.defaultValue = defaultValue
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "STRING"
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        defaultValue = try c.decodeIfPresent(JSONValue.self, forKey: .defaultValue) ?? ""
    }

    /// The kind of value ToolBench's type names, for validation and for the OpenAI schema.
    public var kind: Kind { Kind(toolBenchType: type) }

    /// What a parameter's values are.
    public enum Kind: String, Sendable {
        case string, number, boolean, date, array

        init(toolBenchType: String) {
            let upper = toolBenchType.uppercased()
            if upper == "NUMBER" || upper == "INTEGER" || upper == "FLOAT" {
                self = .number
            } else if upper == "BOOLEAN" {
                self = .boolean
            } else if upper.hasPrefix("DATE") {
                self = .date
            } else if upper == "ARRAY" {
                self = .array
            } else {
                self = .string
            }
        }
    }

    /// The default as text, or nil when it is empty.
    public var example: String? {
        switch defaultValue {
        case .string(let s): return s.isEmpty ? nil : s
        case .null: return nil
        default: return defaultValue.serialized()
        }
    }
}
