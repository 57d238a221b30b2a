import Synchronization
import TroupeCore

/// Makes tasks from a request and a seed: the one place that knows every family.
///
/// A task is a pure function of (request, seed): the family's generator draws from
/// `SeededRNG(seed:)`, redrawing until the question falls on the split's side (`Split.admits`).
public enum ReasoningTasks {
    /// The knobs each family accepts in `params`, for unknown-field errors.
    static let paramKeys: [ReasoningFamily: [String]] = [
        .multistepArithmetic: ["settings", "max_number"],
        .wordSorting: ["min_words", "max_words"],
        .dateUnderstanding: ["min_steps", "max_steps", "min_year", "max_year"],
        .logicalDeduction: ["objects"],
        .wordProblems: ["scale", "templates"],
    ]

    /// Checks `params` for a family: an object with known fields that decode. Throws `badConfig`.
    public static func validate(params: JSONValue?, family: ReasoningFamily) throws {
        guard let params, !params.isNull else { return }
        guard let object = params.objectValue else { throw EnvError.badConfig("`params` must be an object") }
        let known = paramKeys[family]!
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw EnvError.badConfig(
                "unknown field `params.\(unknown)` for \(family.rawValue); its fields are: \(known.joined(separator: ", "))"
            )
        }
        _ = try decodedParams(params, family: family, split: .train)
    }

    /// The family's parameters: `params` decoded over the split's defaults.
    static func decodedParams(_ params: JSONValue?, family: ReasoningFamily, split: Split) throws -> any Sendable {
        func decode<P: Decodable & Sendable>(_ type: P.Type, defaults: JSONValue) throws -> P {
            var merged = defaults.objectValue ?? [:]
            for (key, value) in params?.objectValue ?? [:] { merged[key] = value }
            return try decodeConfig(.object(merged))
        }
        switch family {
        case .multistepArithmetic:
            return try decode(
                MultistepArithmeticTask.Params.self,
                defaults: try JSONValue(encoding: MultistepArithmeticTask.Params.defaults(for: split)))
        case .wordSorting:
            return try decode(
                WordSortingTask.Params.self,
                defaults: try JSONValue(encoding: WordSortingTask.Params.defaults(for: split)))
        case .dateUnderstanding:
            return try decode(
                DateUnderstandingTask.Params.self,
                defaults: try JSONValue(encoding: DateUnderstandingTask.Params.defaults(for: split)))
        case .logicalDeduction:
            return try decode(
                LogicalDeductionTask.Params.self,
                defaults: try JSONValue(encoding: LogicalDeductionTask.Params.defaults(for: split)))
        case .wordProblems:
            return try decode(
                WordProblemTask.Params.self,
                defaults: try JSONValue(encoding: WordProblemTask.Params.defaults(for: split)))
        }
    }

    /// The task of `request` for `seed`. Recently made tasks are kept (64 of them), since the
    /// action sampler and snapshots rebuild the task of every step; `cached: false` always
    /// generates.
    public static func make(_ request: TaskRequest, seed: UInt64, cached: Bool = true) throws -> any ReasoningTask {
        let key = "\(seed)/" + (try JSONValue(encoding: request)).canonicalString()
        if cached, let task = recent.withLock({ $0.first { $0.key == key }?.task }) { return task }
        let task = try generate(request, seed: seed)
        if cached {
            recent.withLock { recent in
                recent.append((key, task))
                if recent.count > 64 { recent.removeFirst() }
            }
        }
        return task
    }

    private static let recent = Mutex<[(key: String, task: any ReasoningTask)]>([])

    private static func generate(_ request: TaskRequest, seed: UInt64) throws -> any ReasoningTask {
        let params = try decodedParams(request.params, family: request.family, split: request.split)
        var rng = SeededRNG(seed: seed)
        while true {
            let task: any ReasoningTask
            switch request.family {
            case .multistepArithmetic:
                task = MultistepArithmeticTask.generate(params as! MultistepArithmeticTask.Params, rng: &rng)
            case .wordSorting: task = WordSortingTask.generate(params as! WordSortingTask.Params, rng: &rng)
            case .dateUnderstanding:
                task = DateUnderstandingTask.generate(
                    params as! DateUnderstandingTask.Params, rng: &rng, multipleChoice: request.multipleChoice)
            case .logicalDeduction:
                task = LogicalDeductionTask.generate(
                    params as! LogicalDeductionTask.Params, rng: &rng, admits: request.split.admits(question:))
            case .wordProblems: task = WordProblemTask.generate(params as! WordProblemTask.Params, rng: &rng)
            }
            if request.split.admits(question: task.question) { return task }
        }
    }
}
