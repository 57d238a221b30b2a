import TroupeCore
import TroupeWire

/// OpenEnv's messages, field by field (`../shared/specs/env-servers.md` §2.1, OpenEnv's
/// `types.py` and `serialization.py`), written from Troupe's results.
///
/// An observation envelope is `{"type":"observation","data":{"observation":{…},"reward":…,
/// "done":…,"metadata":{…}}}`. OpenEnv has only `done` and drops `info`; Troupe keeps both inside
/// the observation object, where OpenEnv's generic client passes them through:
/// `{"text": …, "info": {…}, "terminated": …, "truncated": …}` (`value` instead of `text` for
/// environments whose observations are JSON).
enum OpenEnvWire {
    /// OpenEnv's `WSErrorCode`.
    enum ErrorCode: String {
        case invalidJSON = "INVALID_JSON"
        case unknownType = "UNKNOWN_TYPE"
        case validationError = "VALIDATION_ERROR"
        case executionError = "EXECUTION_ERROR"
        case capacityReached = "CAPACITY_REACHED"
        case factoryError = "FACTORY_ERROR"
        case sessionError = "SESSION_ERROR"
    }

    /// `{"type":"error","data":{"message":…,"code":…,…extra}}`.
    static func error(_ code: ErrorCode, _ message: String, extra: JSONObject = [:]) -> String {
        var data: JSONObject = ["message": .string(message), "code": .string(code.rawValue)]
        data.merge(extra) { _, new in new }
        return envelope("error", .object(data))
    }

    /// One entry of a `VALIDATION_ERROR`'s `errors`, in pydantic's shape.
    static func issue(_ type: String, _ location: [String], _ message: String, _ input: JSONValue) -> JSONValue {
        ["type": .string(type), "loc": .array(location.map(JSONValue.string)), "msg": .string(message), "input": input]
    }

    /// The answer to `reset`: reward `null`, not done.
    static func observation(reset: ResetResult, spec: EnvSpec, state: OpenEnvSession.EpisodeState) -> String {
        observation(
            value: reset.observation, info: reset.info, terminated: false, truncated: false, reward: .null, spec: spec,
            state: state)
    }

    /// The answer to `step`.
    static func observation(step: StepResult, spec: EnvSpec, state: OpenEnvSession.EpisodeState) -> String {
        observation(
            value: step.observation, info: step.info, terminated: step.terminated, truncated: step.truncated,
            reward: .double(step.reward), spec: spec, state: state)
    }

    private static func observation(
        value: JSONValue, info: JSONObject, terminated: Bool, truncated: Bool, reward: JSONValue, spec: EnvSpec,
        state: OpenEnvSession.EpisodeState
    ) -> String {
        let observation: JSONObject = [
            observationField(spec): value, "info": .object(info), "terminated": .bool(terminated),
            "truncated": .bool(truncated),
        ]
        return envelope(
            "observation",
            [
                "observation": .object(observation), "reward": reward, "done": .bool(terminated || truncated),
                "metadata": [
                    "env_id": .string(spec.id), "episode_id": state.episodeID.map(JSONValue.string) ?? .null,
                    "step_count": .number(state.stepCount),
                ],
            ])
    }

    /// `{"type":"state","data":{"episode_id":…,"step_count":…,…}}`: OpenEnv's `State` and ours.
    static func state(_ state: OpenEnvSession.EpisodeState, spec: EnvSpec, session: String) -> String {
        envelope(
            "state",
            [
                "episode_id": state.episodeID.map(JSONValue.string) ?? .null, "step_count": .number(state.stepCount),
                "env_id": .string(spec.id), "session_id": .string(session),
                "seed": state.seed.map { .int(Int64(bitPattern: $0)) } ?? .null, "done": .bool(state.done),
                "total_reward": .double(state.totalReward),
            ])
    }

    /// `text` for text observations, `value` for JSON ones.
    static func observationField(_ spec: EnvSpec) -> String { spec.observation.kind == .text ? "text" : "value" }

    private static func envelope(_ type: String, _ data: JSONValue) -> String {
        JSONValue.object(["type": .string(type), "data": data]).serialized()
    }

    // MARK: Introspection

    /// `GET /schema`: JSON Schemas of the action (what `step`'s `data` holds), the observation
    /// (what `data.observation` holds) and the state.
    static func schema(_ spec: EnvSpec) -> JSONValue {
        [
            "action": [
                "title": "TroupeAction", "type": "object", "additionalProperties": false,
                "properties": [
                    "action": spaceSchema(spec.action),
                    "metadata": ["type": "object", "description": "Additional metadata for the action (ignored)"],
                ],
                "required": ["action"],
            ],
            "observation": [
                "title": "TroupeObservation", "type": "object",
                "properties": [
                    .init(observationField(spec)): spaceSchema(spec.observation),
                    "info": ["type": "object", "description": "the environment's info (Gymnasium's `info`)"],
                    "terminated": ["type": "boolean", "description": "the task reached a terminal state"],
                    "truncated": ["type": "boolean", "description": "the episode was cut short (step limit)"],
                ],
            ],
            "state": [
                "title": "TroupeState", "type": "object", "additionalProperties": true,
                "properties": [
                    "episode_id": ["type": ["string", "null"]], "step_count": ["type": "integer", "minimum": 0],
                    "env_id": ["type": "string"], "session_id": ["type": "string"],
                    "seed": ["type": ["integer", "null"]], "done": ["type": "boolean"],
                    "total_reward": ["type": "number"],
                ],
            ],
        ]
    }

    /// A space as a JSON Schema.
    static func spaceSchema(_ space: Space) -> JSONValue {
        switch space.kind {
        case .text:
            var schema: JSONObject = ["type": "string", "description": .string(space.description)]
            if let maxLength = space.maxLength { schema["maxLength"] = .number(maxLength) }
            return .object(schema)
        case .json:
            var schema = space.schema?.objectValue ?? [:]
            schema["description"] = .string(space.description)
            return .object(schema)
        }
    }

    /// `GET /metadata`: OpenEnv's `EnvironmentMetadata`.
    static func metadata(_ spec: EnvSpec) -> JSONValue {
        [
            "name": .string(spec.id), "description": .string(spec.summary), "readme_content": .null,
            "version": .string(String(spec.version)), "author": "Troupe",
            "documentation_url": .null,
        ]
    }
}
