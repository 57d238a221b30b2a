import AgentKit
import Foundation
import TroupeCore
import TroupeLM
import TroupeTrain

/// What a run reports while it works; the command draws it on standard error (the library
/// never prints).
public protocol RunObserver: AnyObject, Sendable {
    func run(_ event: RunEvent)
}

public enum RunEvent: Sendable {
    /// A phase starts (`round-1/collect`), with its episodes or steps to do and those already
    /// done (resumed).
    case phase(String, total: Int, done: Int)
    /// An episode of the current phase finished; `won` is nil where nothing is played (reading
    /// the planner's walkthroughs for the warm-up).
    case episode(done: Int, total: Int, won: Int?)
    /// A training step or evaluation (see `TrainingEvent`).
    case training(TrainingEvent)
    /// A phase was already complete and is skipped, or finished now, with a one-line summary.
    case finished(String, summary: String)
}

/// Thrown by the deterministic interruption points tests use (`Interruption`).
public struct Interrupted: Error, Equatable {
    public var phase: String
}

/// Stops a run at a chosen point as a crash would: after `count` episodes of a collection or
/// evaluation phase, or after `count` optimizer steps of a training phase (tests of resume).
public struct Interruption: Sendable, Equatable {
    public var phase: String
    public var count: Int

    public init(phase: String, count: Int) {
        self.phase = phase
        self.count = count
    }
}

/// Matryoshka's loop (`docs/matryoshka.md`): evaluate the controller; for each round collect K
/// guidance samples per training game at temperature 1, label them by the black box's outcome,
/// build pairs per game, train LoRA-DPO (continuing the previous round's adapter, which is the
/// reference), export the adapter, evaluate again; optionally warm up first with SFT on the
/// planner's walkthroughs; then write the report.
///
/// Everything goes to the run directory, crash-safely (`RunFiles`): episodes are appended to
/// JSONL logs as they finish, training checkpoints every few steps, and each phase is marked done
/// in `state.json` only when its outputs are complete. Run again with the same settings, it
/// resumes: finished phases are skipped, a collection or evaluation plays only the episodes not
/// yet recorded, and training continues from its newest checkpoint.
public final class MatryoshkaRun: @unchecked Sendable {
    public let settings: RunSettings
    public let directory: String
    public let driver: any EnvDriver
    public let controller: Controller
    /// What identifies the controller's base model (path and size), kept in `run.json`.
    public let modelIdentity: JSONValue
    public weak var observer: (any RunObserver)?
    public var interruption: Interruption?
    /// Plays the collection instead of the controller when set (scripted guidance: tests that
    /// need both wins and losses from a model too small to write a plan).
    public var collectionPolicy: (any Policy)?
    var state: Set<String> = []

    public init(
        settings: RunSettings, directory: String, driver: any EnvDriver, controller: Controller,
        modelIdentity: JSONValue
    ) throws {
        try settings.validate()
        self.settings = settings
        self.directory = directory
        self.driver = driver
        self.controller = controller
        self.modelIdentity = modelIdentity
    }

    func path(_ relative: String) -> String { directory + "/" + relative }

    // MARK: The loop

    /// Runs (or resumes) the whole loop; returns the report's path.
    @discardableResult
    public func run() async throws -> String {
        try openDirectory()
        try await evaluate("round-0", adapter: nil)
        if settings.baselines {
            for kind in [GuidancePolicy.Kind.none, .generic, .walkthrough] { try await baseline(kind) }
        }
        var adapter: String?
        if settings.warmupGames > 0 {
            adapter = try await warmup()
            try await evaluate("warmup", adapter: adapter)
        }
        if settings.rounds > 0 {
            for round in 1...settings.rounds {
                try await collect(round: round, adapter: adapter)
                try buildPairs(round: round)
                adapter = try trainDPO(round: round, from: adapter)
                try await evaluate("round-\(round)", adapter: adapter)
            }
        }
        return try writeReport()
    }

    /// Creates the directory and `run.json`, or checks that it holds this run.
    func openDirectory() throws {
        try RunFiles.makeDirectory(directory)
        let header: JSONValue = [
            "format": "troupe-matryoshka-run", "version": 1, "settings": try JSONValue(encoding: settings),
            "model": modelIdentity,
        ]
        if let existing = try RunFiles.readJSON(path("run.json")) {
            var differences: [String] = []
            if let saved = existing["settings"], let theirs = try? saved.decode(RunSettings.self) {
                differences = try settings.differences(from: theirs)
            } else {
                differences = ["settings"]
            }
            if existing["model"]?.canonicalized() != modelIdentity.canonicalized() { differences.append("model") }
            guard differences.isEmpty else {
                throw MatryoshkaError.otherRun(directory: directory, differences: differences)
            }
        } else {
            try RunFiles.write(json: header, to: path("run.json"))
        }
        state = Set((try RunFiles.readJSON(path("state.json"))?["done"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    func isDone(_ phase: String) -> Bool { state.contains(phase) }

    func markDone(_ phase: String, summary: String) throws {
        state.insert(phase)
        try RunFiles.write(json: ["done": .array(state.sorted().map(JSONValue.string))], to: path("state.json"))
        observer?.run(.finished(phase, summary: summary))
    }

    // MARK: Episodes

    /// The environment configuration of a phase.
    func environment(split: String, tries: Int, walkthrough: Bool = false) -> JSONValue {
        [
            "alfworld": ["split": .string(split)], "black_box": settings.blackBox, "max_tries": .number(tries),
            "walkthrough": .bool(walkthrough),
        ]
    }

    /// Plays the plans not yet in `log` and appends their records; returns every record.
    func play(
        _ phase: String, plans: [EpisodePlan], config: JSONValue, policy: any Policy, log: String
    ) async throws -> [JSONValue] {
        let existing = try RunFiles.readLines(path(log))
        let wanted = Set(plans.map(\.key))
        let recorded = Set(existing.compactMap { $0["key"]?.stringValue })
        guard recorded.isSubset(of: wanted) else {
            throw MatryoshkaError.inconsistent("\(log) holds episodes this phase does not play")
        }
        let remaining = plans.filter { !recorded.contains($0.key) }
        observer?.run(.phase(phase, total: plans.count, done: plans.count - remaining.count))
        let writer = RecordWriter(
            log: try JSONLLog(path: path(log)), total: plans.count, done: existing.count,
            won: existing.filter { $0["won"]?.boolValue == true }.count, observer: observer,
            stopAfter: interruption?.phase == phase ? interruption!.count : nil, phase: phase)
        let runner = EpisodeRunner(
            driver: driver, env: "matryoshka-alfworld-v0", config: config, sessions: settings.sessions, maxSteps: 64,
            sessionSeed: settings.seed)
        try await runner.run(remaining, policy: policy) { record in try await writer.write(record) }
        return try RunFiles.readLines(path(log))
    }

    /// Evaluates the controller (with `adapter`, or the base model) on the evaluation games,
    /// greedy, with `evalTries` tries each.
    func evaluate(_ tag: String, adapter: String?) async throws {
        let phase = "eval/\(tag)"
        guard !isDone(phase) else { return observer?.run(.finished(phase, summary: "done before")) ?? () }
        try controller.use(adapter: adapter)
        let plans = settings.evaluationGames.map { game in
            EpisodePlan(
                key: "g\(game)", options: ["game": .number(game)], seed: UInt64(game),
                policySeed: seedFor(settings.seed, "\(tag)/\(game)"),
                labels: ["game": .number(game)])
        }
        try RunFiles.makeDirectory(path("eval"))
        let records = try await play(
            phase, plans: plans, config: environment(split: settings.evalSplit, tries: settings.evalTries),
            policy: ControllerPolicy(controller: controller, temperature: 0), log: "eval/\(tag).jsonl")
        try finishEvaluation(phase, tag: tag, records: records)
    }

    /// Evaluates rule-written guidance with the black box (a reference for the report).
    func baseline(_ kind: GuidancePolicy.Kind) async throws {
        let tag = "baseline-\(kind.rawValue)"
        let phase = "eval/\(tag)"
        guard !isDone(phase) else { return }
        let plans = settings.evaluationGames.map { game in
            EpisodePlan(key: "g\(game)", options: ["game": .number(game)], seed: UInt64(game), policySeed: UInt64(game))
        }
        let records = try await play(
            phase, plans: plans, config: environment(split: settings.evalSplit, tries: 1, walkthrough: true),
            policy: GuidancePolicy(kind: kind), log: "eval/\(tag).jsonl")
        try finishEvaluation(phase, tag: tag, records: records)
    }

    /// Tabulates an evaluation's records into `eval/<tag>.json` and marks the phase done.
    func finishEvaluation(_ phase: String, tag: String, records: [JSONValue]) throws {
        let table = MatryoshkaRun.table(records)
        try RunFiles.write(json: ["tag": .string(tag), "results": table.json], to: path("eval/\(tag).json"))
        try markDone(
            phase,
            summary:
                "\(table.all.won)/\(table.all.episodes) won (\(String(format: "%.1f", table.all.successRate * 100))%)"
        )
    }

    /// Success per task type of evaluation records.
    static func table(_ records: [JSONValue]) -> ResultTable {
        var table = ResultTable()
        for record in records {
            let type = record["reset_info"]?["task_type"]?.stringValue ?? "unknown"
            let steps = record["steps"]?.arrayValue?.last?["info"]?["black_box_steps"]?.intValue ?? 0
            table.add(group: type, won: record["won"]?.boolValue == true, steps: Int(steps))
        }
        return table
    }

    /// Collects K samples per training game at the sampling temperature, one try each.
    func collect(round: Int, adapter: String?) async throws {
        let phase = "round-\(round)/collect"
        guard !isDone(phase) else { return }
        try controller.use(adapter: adapter)
        var plans: [EpisodePlan] = []
        for game in settings.trainingGames {
            for sample in 0..<settings.samples {
                plans.append(
                    EpisodePlan(
                        key: "g\(game)/s\(sample)", options: ["game": .number(game)], seed: UInt64(game),
                        policySeed: seedFor(settings.seed, "collect/\(round)/\(game)/\(sample)"),
                        labels: ["game": .number(game), "sample": .number(sample)]))
            }
        }
        try RunFiles.makeDirectory(path("round-\(round)"))
        let records = try await play(
            phase, plans: plans, config: environment(split: "train", tries: 1),
            policy: collectionPolicy ?? ControllerPolicy(controller: controller, temperature: settings.temperature),
            log: "round-\(round)/collect.jsonl")
        let won = records.filter { $0["won"]?.boolValue == true }.count
        try markDone(phase, summary: "\(records.count) samples, \(won) won")
    }
}

/// Appends records to a phase's log in completion order and reports progress.
actor RecordWriter {
    let log: JSONLLog
    let total: Int
    var done: Int
    var won: Int
    let observer: (any RunObserver)?
    let stopAfter: Int?
    let phase: String
    var written = 0

    init(log: JSONLLog, total: Int, done: Int, won: Int, observer: (any RunObserver)?, stopAfter: Int?, phase: String) {
        self.log = log
        self.total = total
        self.done = done
        self.won = won
        self.observer = observer
        self.stopAfter = stopAfter
        self.phase = phase
    }

    func write(_ record: EpisodeRecord) throws {
        if let stopAfter, written >= stopAfter { throw Interrupted(phase: phase) }
        try log.append(record.json())
        written += 1
        done += 1
        if record.won { won += 1 }
        observer?.run(.episode(done: done, total: total, won: won))
    }
}
