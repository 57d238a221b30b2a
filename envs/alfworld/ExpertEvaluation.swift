import TroupeCore

/// Plays an expert on the games of a split and reports, per task type, how many games it won
/// within a step limit and how many steps its wins took: the numbers `docs/envs/alfworld.md`
/// publishes for the 134-game `eval_out` set.
public struct ExpertEvaluation: Sendable {
    /// One task type's results.
    public struct Row: Sendable, Equatable {
        public var games = 0
        public var won = 0
        /// Steps summed over won games.
        public var steps = 0

        public var successRate: Double { games == 0 ? 0 : Double(won) / Double(games) }
        public var meanSteps: Double { won == 0 ? 0 : Double(steps) / Double(won) }
    }

    public var rows: [TaskType: Row] = [:]

    public var total: Row {
        rows.values.reduce(into: Row()) {
            $0.games += $1.games
            $0.won += $1.won
            $0.steps += $1.steps
        }
    }

    /// Plays `expert` (`.planner` or `.handcoded`) on every game of `split`, each episode cut
    /// at `stepLimit` steps as the environment's time limit would.
    public static func run(
        _ expert: ExpertKind, on split: Split, grammar: Grammar = .old, stepLimit: Int = 50
    ) throws(GameError) -> ExpertEvaluation {
        var evaluation = ExpertEvaluation()
        for index in 0..<split.count {
            let game = try split.game(index)
            let steps = play(expert, on: game, grammar: grammar, seed: UInt64(index), stepLimit: stepLimit)
            evaluation.rows[game.task.type, default: Row()].games += 1
            if let steps {
                evaluation.rows[game.task.type]!.won += 1
                evaluation.rows[game.task.type]!.steps += steps
            }
        }
        return evaluation
    }

    /// Plays one game with the expert's commands; the number of steps to win, or nil.
    public static func play(_ expert: ExpertKind, on game: Game, grammar: Grammar, seed: UInt64, stepLimit: Int) -> Int?
    {
        let config = ALFWorldEnv.Config(grammar: grammar, expert: expert)
        var episode = Episode(
            game: game, reference: .description(game.description), config: config,
            rng: SeededRNG(seed: seed, stream: "expert"))
        for step in 1...stepLimit {
            guard let command = episode.expertPlan.first else { return nil }
            _ = episode.step(command)
            if episode.won { return step }
        }
        return nil
    }

    /// The results as a Markdown table, task types in ALFWorld's order.
    public func table() -> String {
        var lines = ["| task type | games | won | success | mean steps (won) |", "|---|---|---|---|---|"]
        func line(_ name: String, _ row: Row) -> String {
            let rate = (row.successRate * 1000).rounded() / 10
            let mean = (row.meanSteps * 10).rounded() / 10
            return "| \(name) | \(row.games) | \(row.won) | \(rate)% | \(mean) |"
        }
        for type in TaskType.allCases {
            if let row = rows[type] { lines.append(line(type.rawValue, row)) }
        }
        lines.append(line("all", total))
        return lines.joined(separator: "\n")
    }
}
