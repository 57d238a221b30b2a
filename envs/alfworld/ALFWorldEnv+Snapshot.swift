import TroupeCore

/// Snapshots of `alfworld-v0`: the random stream, and the running episode as its game (a split
/// and index, or the whole description), the world state, the step count and the expert's state.
/// The admissible commands are not stored: they are a function of the state.
extension ALFWorldEnv {
    public func snapshot() async throws -> JSONValue {
        var out: JSONObject = ["rng": try JSONValue(encoding: seeding)]
        if let episode { out["episode"] = try episode.snapshot() }
        return .object(out)
    }

    public func restore(_ snapshot: JSONValue) async throws {
        guard let rng = snapshot["rng"] else { throw EnvError.badSnapshot("expected `rng` (alfworld-v0)") }
        let restoredSeeding: EpisodeSeeding
        do {
            restoredSeeding = try rng.decode(EpisodeSeeding.self)
        } catch {
            throw EnvError.badSnapshot("`rng` is not a random stream state: \(error)")
        }
        var restored: Episode?
        if let state = snapshot["episode"], !state.isNull {
            restored = try Episode.restore(state, config: config, current: episode)
        }
        seeding = restoredSeeding
        episode = restored
    }
}

extension Episode {
    func snapshot() throws -> JSONValue {
        var out: JSONObject = [:]
        switch reference {
        case .split(let split, let index): out["game"] = ["split": .string(split.rawValue), "index": .number(index)]
        case .description(let description): out["game"] = ["description": description.json()]
        }
        out["location"] = .number(state.location)
        out["holding"] = .number(state.holding)
        out["parent"] = .array(state.parent.map { .number($0) })
        out["opened"] = .array(state.opened.map { .bool($0) })
        out["states"] = .array(state.states.map { .number(Int($0.rawValue)) })
        out["won"] = .bool(won)
        out["steps"] = .number(steps)
        out["expert_plan"] = .array(expertPlan.map(JSONValue.string))
        if let handcoded { out["handcoded"] = try JSONValue(encoding: handcoded) }
        if expertKind == .planner { out["plan"] = try JSONValue(encoding: plan) }
        return .object(out)
    }

    /// Rebuilds an episode from `snapshot`, reusing `current`'s game when it is the same one.
    static func restore(_ snapshot: JSONValue, config: ALFWorldEnv.Config, current: Episode?) throws -> Episode {
        func bad(_ why: String) -> EnvError { .badSnapshot("\(why) (alfworld-v0 episode)") }
        guard let gameField = snapshot["game"] else { throw bad("missing `game`") }
        let reference: ALFWorldEnv.GameReference
        if let name = gameField["split"]?.stringValue, let split = Split(rawValue: name),
            let index = gameField["index"]?.intValue, (0..<split.count).contains(Int(index))
        {
            reference = .split(split, Int(index))
        } else if let description = gameField["description"] {
            do {
                reference = .description(try GameDescription.decode(description))
            } catch {
                throw bad("`game.description` is not a game: \(error)")
            }
        } else {
            throw bad("`game` must name a split and index or hold a description")
        }
        let game: Game
        if let current, current.reference == reference {
            game = current.game
        } else {
            do {
                switch reference {
                case .split(let split, let index): game = try split.game(index)
                case .description(let description): game = try Game.make(description)
                }
            } catch {
                throw bad("its game does not build: \(error)")
            }
        }

        let objects = game.objects.count
        let receptacles = game.receptacles.count
        guard let location = snapshot["location"]?.intValue, (0...game.start).contains(Int(location)),
            let holding = snapshot["holding"]?.intValue, (-1..<objects).contains(Int(holding)),
            let parent = snapshot["parent"]?.arrayValue?.compactMap({ $0.intValue.map(Int.init) }),
            parent.count == objects,
            parent.allSatisfy({ (-1..<receptacles).contains($0) }),
            parent.enumerated().allSatisfy({ ($1 == -1) == ($0 == Int(holding)) }),
            let opened = snapshot["opened"]?.arrayValue?.compactMap(\.boolValue), opened.count == receptacles,
            let states = snapshot["states"]?.arrayValue?.compactMap({ $0.intValue }), states.count == objects,
            states.allSatisfy({ (0...31).contains($0) }),
            let won = snapshot["won"]?.boolValue, let steps = snapshot["steps"]?.intValue
        else {
            throw bad("the world state does not fit its game")
        }
        var episode = Episode(game: game, reference: reference, config: config, rng: nil)
        var state = WorldState(
            location: Int(location), holding: Int(holding), parent: parent,
            contents: Array(repeating: [], count: receptacles), opened: opened,
            states: states.map { ObjectState(rawValue: UInt8($0)) })
        for (o, r) in parent.enumerated() where r >= 0 { state.contents[r].append(o) }
        episode.state = state
        episode.won = won
        episode.steps = Int(steps)
        episode.admissible = game.admissible(state, grammar: episode.grammar)
        episode.admissibleJSON = .array(episode.admissible.texts.map(JSONValue.string))
        guard let expertPlan = snapshot["expert_plan"]?.arrayValue?.compactMap(\.stringValue) else {
            throw bad("missing `expert_plan`")
        }
        episode.expertPlan = expertPlan
        do {
            switch episode.expertKind {
            case .handcoded:
                episode.handcoded = try (snapshot["handcoded"] ?? .null).decode(HandcodedExpert.self)
            case .planner:
                episode.plan = try (snapshot["plan"] ?? .null).decode([Action].self)
            case .none:
                break
            }
        } catch {
            throw bad("the expert's state is missing or malformed: \(error)")
        }
        return episode
    }
}
