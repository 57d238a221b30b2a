/// What the registry knows about an environment before making one: its versioned id, what its
/// observations and actions look like, its configuration schema, and its capabilities. `list`
/// returns these over the wire, and the conformance checker reads them.
///
/// Invariant: `id` is `family-vN` (lowercase letters, digits and dashes, then `-v` and a version
/// number); a change that alters episodes for a given seed gets a new version.
public struct EnvSpec: Sendable, Codable, Equatable {
    /// The versioned id, such as `alfworld-v0`.
    public var id: String
    /// One or two sentences for `envd list` and `/metadata`.
    public var summary: String
    /// What observations look like.
    public var observation: Space
    /// What actions look like.
    public var action: Space
    /// A JSON Schema of the `make` configuration (an object schema; `{}` when there is none).
    public var configSchema: JSONValue
    /// Optional operations the environment supports.
    public var capabilities: Set<Capability>
    /// The step limit the registry enforces with `TimeLimit` (nil: none).
    public var maxEpisodeSteps: Int?
    /// The smallest and largest reward a step can give.
    public var rewardRange: ClosedRange<Double>
    /// Info keys whose values legitimately differ between identical runs (latencies, timings);
    /// the determinism checks ignore them.
    public var volatileInfoKeys: [String]

    public init(
        id: String, summary: String, observation: Space, action: Space,
        configSchema: JSONValue = ["type": "object"], capabilities: Set<Capability> = [],
        maxEpisodeSteps: Int? = nil, rewardRange: ClosedRange<Double> = 0...1,
        volatileInfoKeys: [String] = []
    ) {
        precondition(EnvSpec.isValidID(id), "environment id '\(id)' is not of the form family-vN")
        self.id = id
        self.summary = summary
        self.observation = observation
        self.action = action
        self.configSchema = configSchema
        self.capabilities = capabilities
        self.maxEpisodeSteps = maxEpisodeSteps
        self.rewardRange = rewardRange
        self.volatileInfoKeys = volatileInfoKeys
    }

    /// The family part of the id (`alfworld` for `alfworld-v0`).
    public var family: String { String(id[..<id.range(of: "-v", options: .backwards)!.lowerBound]) }

    /// The version number of the id (`0` for `alfworld-v0`).
    public var version: Int { Int(id[id.range(of: "-v", options: .backwards)!.upperBound...])! }

    /// Whether `id` is of the form `family-vN`.
    public static func isValidID(_ id: String) -> Bool {
        guard let dash = id.range(of: "-v", options: .backwards) else { return false }
        let family = id[..<dash.lowerBound]
        let version = id[dash.upperBound...]
        let familyOK =
            !family.isEmpty && family.first!.isLetter
            && family.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
        return familyOK && !version.isEmpty && version.allSatisfy { $0.isASCII && $0.isNumber }
    }

    enum CodingKeys: String, CodingKey {
        case id, summary, observation, action, capabilities
        case configSchema = "config_schema"
        case maxEpisodeSteps = "max_episode_steps"
        case rewardRange = "reward_range"
        case volatileInfoKeys = "volatile_info_keys"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        summary = try c.decode(String.self, forKey: .summary)
        observation = try c.decode(Space.self, forKey: .observation)
        action = try c.decode(Space.self, forKey: .action)
        configSchema = try c.decodeIfPresent(JSONValue.self, forKey: .configSchema) ?? ["type": "object"]
        capabilities = try c.decodeIfPresent(Set<Capability>.self, forKey: .capabilities) ?? []
        maxEpisodeSteps = try c.decodeIfPresent(Int.self, forKey: .maxEpisodeSteps)
        let range = try c.decodeIfPresent([Double].self, forKey: .rewardRange) ?? [0, 1]
        guard range.count == 2, range[0] <= range[1] else {
            throw DecodingError.dataCorruptedError(
                forKey: .rewardRange, in: c, debugDescription: "expected [low, high] with low <= high")
        }
        rewardRange = range[0]...range[1]
        volatileInfoKeys = try c.decodeIfPresent([String].self, forKey: .volatileInfoKeys) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(summary, forKey: .summary)
        try c.encode(observation, forKey: .observation)
        try c.encode(action, forKey: .action)
        try c.encode(configSchema, forKey: .configSchema)
        try c.encode(capabilities.map(\.rawValue).sorted(), forKey: .capabilities)
        try c.encodeIfPresent(maxEpisodeSteps, forKey: .maxEpisodeSteps)
        try c.encode([rewardRange.lowerBound, rewardRange.upperBound], forKey: .rewardRange)
        try c.encode(volatileInfoKeys, forKey: .volatileInfoKeys)
    }
}

/// An optional operation an environment supports.
public enum Capability: String, Sendable, Codable, Hashable, CaseIterable {
    /// `snapshot` and `restore` (and therefore the server's `fork`).
    case snapshot
}

/// The shape of observations or actions, in the spirit of Gymnasium's spaces, for text and JSON.
public struct Space: Sendable, Codable, Equatable {
    /// The JSON kind of values in this space.
    public enum Kind: String, Sendable, Codable {
        /// A string (Gymnasium's `Text`).
        case text
        /// Any JSON value; `schema` describes it.
        case json
    }

    public var kind: Kind
    /// What the values mean, for people and for `/schema`.
    public var description: String
    /// For `.text`: the longest string in characters (nil: unbounded).
    public var maxLength: Int?
    /// For `.json`: a JSON Schema of the values.
    public var schema: JSONValue?

    public init(kind: Kind, description: String, maxLength: Int? = nil, schema: JSONValue? = nil) {
        self.kind = kind
        self.description = description
        self.maxLength = maxLength
        self.schema = schema
    }

    /// A text space.
    public static func text(_ description: String, maxLength: Int? = nil) -> Space {
        Space(kind: .text, description: description, maxLength: maxLength)
    }

    /// A JSON space with a schema.
    public static func json(_ description: String, schema: JSONValue = [:]) -> Space {
        Space(kind: .json, description: description, schema: schema)
    }

    /// Why `value` is not in this space, or `nil` when it is. Checks the kind and the length;
    /// schemas are documentation, not enforced here.
    public func violation(of value: JSONValue) -> String? {
        switch kind {
        case .text:
            guard case .string(let s) = value else { return "expected a string, got \(value.typeName)" }
            if let maxLength, s.count > maxLength {
                return "string of \(s.count) characters exceeds the maximum of \(maxLength)"
            }
            return nil
        case .json:
            return nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, description, schema
        case maxLength = "max_length"
    }
}
