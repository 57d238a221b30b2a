import TroupeCore

extension MatryoshkaEnv {
    /// The session's state between tries: the random stream, the episode's intro and info, the
    /// game's starting state (every try restarts from it), the tries so far, and the black box's
    /// session (its random stream matters when it samples).
    public func snapshot() async throws -> JSONValue {
        [
            "rng": try JSONValue(encoding: seeding), "intro": .string(intro), "start": start,
            "start_admissible": .array(startAdmissible.map(JSONValue.string)), "reset_info": .object(resetInfo),
            "tries": .number(tries), "black_box": try await blackBox.snapshot(),
        ]
    }

    public func restore(_ snapshot: JSONValue) async throws {
        guard let rng = snapshot["rng"], let intro = snapshot["intro"]?.stringValue, let start = snapshot["start"],
            let admissible = snapshot["start_admissible"]?.arrayValue,
            let info = snapshot["reset_info"]?.objectValue, let tries = snapshot["tries"]?.intValue,
            let blackBoxState = snapshot["black_box"]
        else {
            throw EnvError.badSnapshot(
                "expected `rng`, `intro`, `start`, `start_admissible`, `reset_info`, `tries` and `black_box` (matryoshka-alfworld-v0)"
            )
        }
        do {
            seeding = try rng.decode(EpisodeSeeding.self)
        } catch {
            throw EnvError.badSnapshot("`rng` is not a random stream state: \(error)")
        }
        if !start.isNull { try await alfworld.restore(start) }
        try await blackBox.restore(blackBoxState)
        self.intro = intro
        self.start = start
        startAdmissible = admissible.compactMap(\.stringValue)
        resetInfo = info
        self.tries = Int(tries)
    }
}
