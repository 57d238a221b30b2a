import TroupeCore

/// Everything a Matryoshka run depends on. Saved as `run.json` in the run directory; a run
/// resumes only with the same settings (the directory's run is refused otherwise, naming the
/// difference). Presets (`short`, `full`, `tiny`) fill every field; options override them.
public struct RunSettings: Codable, Sendable, Equatable {
    /// The preset the run started from (for the report).
    public var preset: String
    /// Training games: `trainGames` games of the `train` split, evenly spaced over its 3,553.
    public var trainGames: Int
    /// Evaluation games: `evalGames` games of `evalSplit`, evenly spaced (all when equal to its size).
    public var evalSplit: String
    public var evalGames: Int
    /// K: guidance samples per training game per round, at `temperature` (Matryoshka: 1).
    public var samples: Int
    public var temperature: Double
    /// R: rounds of collect → pairs → DPO → evaluate (Matryoshka's IGO ran 2).
    public var rounds: Int
    /// M: tries per evaluation episode (closed loop; data collection always uses one).
    public var evalTries: Int
    /// Guidance tokens at most.
    public var maxTokens: Int
    /// SFT warm-up on the planner's walkthroughs turned into guidance, for this many training
    /// games (other than the collection games); 0: none.
    public var warmupGames: Int
    public var sft: Optimization
    public var dpo: Optimization
    public var beta: Double
    public var labelSmoothing: Double
    public var loraR: Int
    public var loraAlpha: Double
    public var loraDropout: Double
    /// Longest prompt + guidance in tokens for training.
    public var maxLength: Int
    /// The black box: an `llm-v0` configuration.
    public var blackBox: JSONValue
    /// Also evaluate rule-written guidance (none, generic, walkthrough) with the black box, as
    /// references for the report.
    public var baselines: Bool
    /// Episodes played at once (sessions on envd).
    public var sessions: Int
    public var seed: UInt64

    /// One training phase's optimizer settings.
    public struct Optimization: Codable, Sendable, Equatable {
        public var learningRate: Double
        public var epochs: Double
        public var batchSize: Int
        public var gradientAccumulation: Int
        /// A checkpoint every this many optimizer steps (resume granularity).
        public var saveSteps: Int

        public init(learningRate: Double, epochs: Double, batchSize: Int, gradientAccumulation: Int, saveSteps: Int) {
            self.learningRate = learningRate
            self.epochs = epochs
            self.batchSize = batchSize
            self.gradientAccumulation = gradientAccumulation
            self.saveSteps = saveSteps
        }
    }

    /// The default black box: the `sim` ALFWorld executor at competence 0.8.
    public static let simBlackBox: JSONValue = ["backend": ["kind": "sim", "family": "alfworld", "competence": 0.8]]

    /// The presets, by name.
    public static let presets: [String: RunSettings] = [
        // The README's command: about ten minutes on two cores.
        "short": RunSettings(
            preset: "short", trainGames: 24, evalSplit: "eval_out", evalGames: 24, samples: 4, temperature: 1,
            rounds: 1, evalTries: 1, maxTokens: 128, warmupGames: 0,
            sft: Optimization(learningRate: 2e-4, epochs: 2, batchSize: 4, gradientAccumulation: 1, saveSteps: 5),
            dpo: Optimization(learningRate: 5e-5, epochs: 2, batchSize: 2, gradientAccumulation: 2, saveSteps: 5),
            beta: 0.1, labelSmoothing: 0.1, loraR: 8, loraAlpha: 16, loraDropout: 0.05, maxLength: 1024,
            blackBox: simBlackBox, baselines: true, sessions: 8, seed: 1),
        // The documented full run: the 134 evaluation games, two rounds.
        "full": RunSettings(
            preset: "full", trainGames: 120, evalSplit: "eval_out", evalGames: 134, samples: 6, temperature: 1,
            rounds: 2, evalTries: 1, maxTokens: 128, warmupGames: 0,
            sft: Optimization(learningRate: 2e-4, epochs: 2, batchSize: 4, gradientAccumulation: 1, saveSteps: 10),
            dpo: Optimization(learningRate: 5e-5, epochs: 2, batchSize: 2, gradientAccumulation: 4, saveSteps: 10),
            beta: 0.1, labelSmoothing: 0.1, loraR: 8, loraAlpha: 16, loraDropout: 0.05, maxLength: 1024,
            blackBox: simBlackBox, baselines: true, sessions: 8, seed: 1),
        // For tests on tiny models: a handful of games and steps.
        "tiny": RunSettings(
            preset: "tiny", trainGames: 4, evalSplit: "eval_out", evalGames: 4, samples: 3, temperature: 1,
            rounds: 1, evalTries: 1, maxTokens: 24, warmupGames: 0,
            sft: Optimization(learningRate: 1e-3, epochs: 1, batchSize: 2, gradientAccumulation: 1, saveSteps: 1),
            dpo: Optimization(learningRate: 1e-3, epochs: 1, batchSize: 1, gradientAccumulation: 1, saveSteps: 1),
            beta: 0.1, labelSmoothing: 0.1, loraR: 4, loraAlpha: 8, loraDropout: 0, maxLength: 768,
            blackBox: simBlackBox, baselines: false, sessions: 4, seed: 1),
    ]

    /// Checks the values; errors name the setting.
    public func validate() throws {
        func fail(_ message: String) -> MatryoshkaError { MatryoshkaError.badSettings(message) }
        guard trainGames >= 1, trainGames <= 3_553 else { throw fail("training games must be from 1 to 3553") }
        guard ["train", "eval_in", "eval_out"].contains(evalSplit) else {
            throw fail("the evaluation split must be train, eval_in or eval_out")
        }
        guard evalGames >= 1, evalGames <= splitSize(evalSplit) else {
            throw fail("evaluation games must be from 1 to \(splitSize(evalSplit)) for \(evalSplit)")
        }
        guard samples >= 2 else { throw fail("samples per game must be at least 2 (pairs need a win and a loss)") }
        guard temperature > 0, temperature <= 2 else { throw fail("the sampling temperature must be in (0, 2]") }
        guard rounds >= 0, rounds <= 20 else { throw fail("rounds must be from 0 to 20") }
        guard (1...32).contains(evalTries) else { throw fail("evaluation tries must be from 1 to 32") }
        guard (8...2048).contains(maxTokens) else { throw fail("guidance tokens must be from 8 to 2048") }
        guard warmupGames >= 0, trainGames + warmupGames <= 3_553 else {
            throw fail("training and warm-up games together must be at most 3553")
        }
        for (name, o) in [("sft", sft), ("dpo", dpo)] {
            guard o.learningRate > 0, o.epochs > 0, o.batchSize >= 1, o.gradientAccumulation >= 1, o.saveSteps >= 1
            else {
                throw fail("\(name): learning rate and epochs must be positive, batch sizes and save steps at least 1")
            }
        }
        guard beta > 0, (0..<0.5).contains(labelSmoothing) else {
            throw fail("beta must be positive and label smoothing in [0, 0.5)")
        }
        guard loraR >= 1, loraAlpha > 0, (0..<1).contains(loraDropout) else { throw fail("bad LoRA settings") }
        guard maxLength >= maxTokens + 64 else { throw fail("max length must exceed the guidance tokens by 64") }
        guard sessions >= 1, sessions <= 256 else { throw fail("sessions must be from 1 to 256") }
        guard blackBox.objectValue != nil else { throw fail("the black box must be an llm-v0 configuration object") }
    }

    func splitSize(_ split: String) -> Int { split == "train" ? 3_553 : split == "eval_in" ? 140 : 134 }

    /// `count` indices evenly spaced over `0..<size`.
    static func spread(_ count: Int, over size: Int, offset: Int = 0) -> [Int] {
        (0..<count).map { (offset + $0 * size / count) % size }
    }

    /// The games of the runs' phases.
    public var evaluationGames: [Int] { RunSettings.spread(evalGames, over: splitSize(evalSplit)) }
    public var trainingGames: [Int] { RunSettings.spread(trainGames, over: 3_553) }
    /// Warm-up games: spread like the training games, shifted half a gap so the sets are disjoint.
    public var warmupGameIndices: [Int] {
        guard warmupGames > 0 else { return [] }
        let training = Set(trainingGames)
        let gap = max(1, 3_553 / (trainGames + warmupGames))
        return RunSettings.spread(warmupGames, over: 3_553, offset: gap / 2 + 1).map { game in
            var g = game
            while training.contains(g) { g = (g + 1) % 3_553 }
            return g
        }
    }

    /// The names of the fields that differ from `other` (for resume errors).
    public func differences(from other: RunSettings) throws -> [String] {
        let mine = try JSONValue(encoding: self).objectValue ?? [:]
        let theirs = try JSONValue(encoding: other).objectValue ?? [:]
        return mine.keys.filter { mine[$0]?.canonicalized() != theirs[$0]?.canonicalized() }
    }
}
