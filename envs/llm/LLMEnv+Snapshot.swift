import TroupeCore

extension LLMEnv {
    /// The session's state: its random stream, the episode's sample stream and ask counts, and its
    /// usage totals. With these a restored session draws the same sample identities, hence gets
    /// the same cached (or `sim`) answers, as the original would have.
    public func snapshot() async throws -> JSONValue {
        [
            "seeding": try JSONValue(encoding: seeding),
            "episode_stream": .string(ResponseStore.hex(episodeStream, digits: 16)),
            "ask_counts": .object(
                JSONObject(
                    uniqueKeysWithValues: askCounts.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) })),
            "session_usage": try JSONValue(encoding: sessionUsage),
        ]
    }

    public func restore(_ snapshot: JSONValue) async throws {
        guard let seedingJSON = snapshot["seeding"], let streamText = snapshot["episode_stream"]?.stringValue,
            let stream = UInt64(streamText, radix: 16), let counts = snapshot["ask_counts"]?.objectValue,
            let usageJSON = snapshot["session_usage"]
        else {
            throw EnvError.badSnapshot(
                "expected `seeding`, `episode_stream`, `ask_counts` and `session_usage` (llm-v0)")
        }
        var restoredCounts: [String: Int] = [:]
        for (key, value) in counts {
            guard let count = value.intValue, count >= 0 else {
                throw EnvError.badSnapshot("`ask_counts.\(key)` must be a non-negative integer")
            }
            restoredCounts[key] = Int(count)
        }
        do {
            seeding = try seedingJSON.decode(EpisodeSeeding.self)
            sessionUsage = try usageJSON.decode(UsageTotals.self)
        } catch {
            throw EnvError.badSnapshot("`seeding` or `session_usage` is malformed: \(error)")
        }
        episodeStream = stream
        askCounts = restoredCounts
    }

    /// A plausible random action, for the conformance checker and `envd bench`: short chats or
    /// prompts, greedy or sampled, with small token budgets.
    static func sampleAction(_ rng: inout SeededRNG) -> JSONValue {
        let words = ["apple", "river", "seven", "blue", "quietly", "robot", "tea", "north", "paper", "42"]
        let text = (0..<rng.int(in: 1...6)).map { _ in rng.element(of: words)! }.joined(separator: " ")
        switch rng.int(in: 0..<4) {
        case 0:
            return .string(text)
        case 1:
            return ["prompt": .string(text), "max_tokens": .number(rng.int(in: 1...8))]
        default:
            return [
                "messages": [
                    ["role": "system", "content": "Answer briefly."], ["role": "user", "content": .string(text)],
                ],
                "temperature": rng.chance(0.5) ? 0 : 0.7, "max_tokens": .number(rng.int(in: 1...16)),
            ]
        }
    }
}
