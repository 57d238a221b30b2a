import TroupeCore

/// One expected call in BFCL's possible-answer format: each parameter maps to the list of values
/// that are acceptable, and `""` in a list means the parameter may be left out.
///
/// On disk (`{"<function>": {"<param>": [values…]}}`, one object per call, inside an entry's
/// `ground_truth` list):
/// `{"id": "weather_hub_0", "ground_truth": [{"current_weather_for_weather_hub": {"q": ["Paris"], "units": ["", "metric"]}}]}`
public struct GoldCall: Sendable, Equatable, Codable {
    public var function: String
    public var parameters: OrderedDictionary<String, [JSONValue]>

    public init(function: String, parameters: OrderedDictionary<String, [JSONValue]>) {
        self.function = function
        self.parameters = parameters
    }

    /// Reads one element of `ground_truth`.
    public init(possibleAnswer value: JSONValue) throws {
        guard case .object(let outer) = value, outer.count == 1, let (name, body) = outer.elements.first,
            case .object(let params) = body
        else {
            throw ToolsError.evalSet(
                "a ground_truth call must be {\"<function>\": {\"<param>\": [values...]}}, got \(value)")
        }
        var parameters = OrderedDictionary<String, [JSONValue]>()
        for (key, list) in params {
            guard case .array(let values) = list else {
                throw ToolsError.evalSet("\(name).\(key) must map to a list of acceptable values, got \(list)")
            }
            parameters[key] = values
        }
        self.init(function: name, parameters: parameters)
    }

    /// The call in BFCL's format.
    public var possibleAnswer: JSONValue {
        .object([function: .object(JSONObject(uniqueKeysWithValues: parameters.map { ($0.key, .array($0.value)) }))])
    }

    public init(from decoder: any Decoder) throws {
        try self.init(possibleAnswer: try JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws { try possibleAnswer.encode(to: encoder) }

    /// Whether `parameter` may be left out.
    public func isOptional(_ parameter: String) -> Bool { parameters[parameter]?.contains("") ?? true }
}

/// The model's side of a comparison: a call by name with parsed arguments.
public struct ModelCall: Sendable, Equatable {
    public var name: String
    public var arguments: JSONObject

    public init(name: String, arguments: JSONObject) {
        self.name = name
        self.arguments = arguments
    }
}

/// What BFCL's checker needs of a function: parameter types and the required list, read from a
/// function description (`{"name", "parameters": {"properties": {p: {"type", "items"?}}, "required"}}`,
/// which is also the shape of ToolBench's OpenAI functions).
public struct FunctionDoc: Sendable, Equatable {
    public var name: String
    /// Parameter → (BFCL type name, item type for arrays).
    public var properties: OrderedDictionary<String, (type: String, items: String?)>
    public var required: [String]

    public init(name: String, properties: OrderedDictionary<String, (type: String, items: String?)>, required: [String])
    {
        self.name = name
        self.properties = properties
        self.required = required
    }

    public init(openAI value: JSONValue) {
        name = value["name"]?.stringValue ?? ""
        var properties = OrderedDictionary<String, (type: String, items: String?)>()
        for (key, property) in value["parameters"]?["properties"]?.objectValue ?? [:] {
            properties[key] = (property["type"]?.stringValue ?? "string", property["items"]?["type"]?.stringValue)
        }
        self.properties = properties
        required = value["parameters"]?["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    public static func == (lhs: FunctionDoc, rhs: FunctionDoc) -> Bool {
        lhs.name == rhs.name && lhs.required == rhs.required
            && lhs.properties.keys == rhs.properties.keys
            && zip(lhs.properties.values, rhs.properties.values).allSatisfy {
                $0.type == $1.type && $0.items == $1.items
            }
    }
}
