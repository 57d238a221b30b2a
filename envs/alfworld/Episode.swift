import TroupeCore

/// One episode of `alfworld-v0`: a game, its current state, the admissible commands of that state
/// and the expert's view. A value, so that snapshots and restores copy it whole.
///
/// The admissible list is rebuilt only when a command changes the world; a step that only looks,
/// examines or fails reuses it (and its JSON form), which keeps such steps to a lookup and a string.
struct Episode {
    let game: Game
    let reference: ALFWorldEnv.GameReference
    let grammar: Grammar
    let expertKind: ExpertKind
    var state: WorldState
    var admissible: AdmissibleCommands
    var admissibleJSON: JSONValue
    var won = false
    var steps = 0
    /// The handcoded expert's memory (`expertKind == .handcoded`).
    var handcoded: HandcodedExpert?
    /// The planner's remaining plan (`expertKind == .planner`).
    var plan: [Action] = []
    /// What `extra.expert_plan` says now.
    var expertPlan: [String] = []

    /// A new episode of `game`. With an `rng` the expert starts on the intro; without one (for
    /// restores, which bring the expert's state along) it is left empty.
    init(game: Game, reference: ALFWorldEnv.GameReference, config: ALFWorldEnv.Config, rng: SeededRNG?) {
        self.game = game
        self.reference = reference
        self.grammar = config.grammar
        self.expertKind = config.expert
        state = game.initial
        admissible = game.admissible(state, grammar: grammar)
        admissibleJSON = .array(admissible.texts.map(JSONValue.string))
        gamefile = Episode.gamefile(game, reference, grammar)
        guard let rng else { return }
        switch expertKind {
        case .handcoded:
            var expert = HandcodedExpert(intro: game.intro, grammar: grammar, rng: rng)
            expertPlan = [Episode.publishable(expert.act(admissible: admissible.texts), admissible)]
            handcoded = expert
        case .planner:
            plan = Planner(game: game).plan(from: state) ?? []
            expertPlan = plan.map { game.text(of: $0, grammar: grammar) }
        case .none:
            break
        }
    }

    /// Plays one command line and returns the feedback. The line is stripped of surrounding
    /// whitespace and matched verbatim against the admissible commands (spec §3).
    mutating func step(_ line: String) -> String {
        steps += 1
        let command = Episode.stripped(line)
        let action = admissible.action(for: command)
        let feedback: String
        if let action {
            feedback = game.apply(action, to: &state, grammar: grammar)
            if action.changesState {
                admissible = game.admissible(state, grammar: grammar)
                admissibleJSON = .array(admissible.texts.map(JSONValue.string))
                won = game.isWon(state)
            }
        } else {
            feedback = Text.nothingHappens
        }
        updateExpert(command: command, action: action, feedback: feedback)
        return feedback
    }

    private mutating func updateExpert(command: String, action: Action?, feedback: String) {
        switch expertKind {
        case .handcoded:
            handcoded!.observe(command: command, feedback: feedback)
            expertPlan = won ? [] : [Episode.publishable(handcoded!.act(admissible: admissible.texts), admissible)]
        case .planner:
            guard let action, action.changesState else { return }
            if plan.first == action {
                plan.removeFirst()
            } else {
                plan = Planner(game: game).plan(from: state) ?? []
            }
            expertPlan = plan.map { game.text(of: $0, grammar: grammar) }
        case .none:
            break
        }
    }

    /// ALFWorld publishes the handcoded expert's proposal only when it is admissible, else `look`.
    private static func publishable(_ command: String, _ admissible: AdmissibleCommands) -> String {
        admissible.action(for: command) != nil ? command : "look"
    }

    /// The `info` of the current state.
    func info() -> JSONObject {
        var info: JSONObject = [
            "admissible_commands": admissibleJSON,
            "won": .bool(won),
            "task_type": .string(game.task.type.rawValue),
            "extra.gamefile": .string(gamefile),
        ]
        if expertKind != .none { info["extra.expert_plan"] = .array(expertPlan.map(JSONValue.string)) }
        return info
    }

    /// The game's path in ALFWorld's layout, `json_2.1.1/valid_unseen/{folder}/{trial}/game.tw-pddl`
    /// (`json_2.1.3` for the new grammar), so that harnesses can split out `{folder}/{trial}`.
    let gamefile: String

    private static func gamefile(_ game: Game, _ reference: ALFWorldEnv.GameReference, _ grammar: Grammar) -> String {
        let data = grammar == .old ? "json_2.1.1" : "json_2.1.3"
        let split: String
        switch reference {
        case .split(let s, _): split = s.folder
        case .description: split = "custom"
        }
        return "\(data)/\(split)/\(game.name)/game.tw-pddl"
    }

    /// Python's `str.strip()`: surrounding whitespace removed.
    static func stripped(_ line: String) -> String {
        guard let first = line.first, let last = line.last, first.isWhitespace || last.isWhitespace else { return line }
        guard let start = line.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let end = line.lastIndex(where: { !$0.isWhitespace })!
        return String(line[start...end])
    }
}
