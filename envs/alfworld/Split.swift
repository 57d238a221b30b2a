import TroupeCore

/// The fixed game sets, in the spirit of ALFWorld's (its `train`, `valid_seen` and `valid_unseen`
/// folders, which hold 3,553, 140 and 134 games):
///
/// - `train`: 3,553 games in the 116 training scenes: a task type drawn uniformly among the six,
///   then a scene that allows it, a task, and a placement of objects.
/// - `eval_in` (in distribution, ALFWorld's `valid_seen`): 140 games that each repeat a training
///   game's task instance (type, object, receptacle, scene) with a new placement of objects.
/// - `eval_out` (out of distribution, `valid_unseen`): 134 games in the four held-out scenes
///   (kitchen 10, living room 219, bedroom 308, bathroom 424, as in ALFRED), with ALFWorld's task
///   counts: 24 pick, 31 clean, 23 heat, 21 cool, 18 examine, 17 pick-two. No training game is
///   laid out in those scenes.
///
/// Game `i` of a split is drawn from `SeededRNG(seed: i, stream: "alfworld-v0/<split>")`, so
/// every game is fixed forever; each is certified solvable by the planner when built.
public enum Split: String, CaseIterable, Codable, Sendable {
    case train
    case evalIn = "eval_in"
    case evalOut = "eval_out"

    /// How many games the split has.
    public var count: Int {
        switch self {
        case .train: return 3_553
        case .evalIn: return 140
        case .evalOut: return 134
        }
    }

    /// ALFWorld's folder for this split, used in `extra.gamefile`.
    public var folder: String {
        switch self {
        case .train: return "train"
        case .evalIn: return "valid_seen"
        case .evalOut: return "valid_unseen"
        }
    }

    /// The scenes held out of training (ALFRED's `valid_unseen` floor plans).
    public static let heldOutScenes: Set<Int> = [10, 219, 308, 424]

    /// ALFWorld's task counts on `valid_unseen`, in the order of `TaskType.allCases`.
    static let evalOutCounts: [TaskType: Int] = [
        .pickAndPlaceSimple: 24, .pickCleanThenPlaceInRecep: 31, .pickHeatThenPlaceInRecep: 23,
        .pickCoolThenPlaceInRecep: 21, .lookAtObjInLight: 18, .pickTwoObjAndPlace: 17,
    ]

    /// The scenes this split's games are laid out in.
    var scenes: [Scene] { self == .evalOut ? Split.heldOut : Split.seen }

    private static let seen = Scene.all.keys.sorted().filter { !heldOutScenes.contains($0) }.map { Scene.all[$0]! }
    private static let heldOut = Scene.all.keys.sorted().filter { heldOutScenes.contains($0) }.map { Scene.all[$0]! }

    /// The task types of `eval_out`'s 134 games, in a fixed shuffled order.
    private static let evalOutTypes: [TaskType] = {
        var types = TaskType.allCases.flatMap { Array(repeating: $0, count: evalOutCounts[$0]!) }
        var rng = SeededRNG(seed: 134, stream: "alfworld-v0/eval_out/order")
        rng.shuffle(&types)
        return types
    }()

    /// The generator of game `index`.
    private func rng(_ index: Int) -> SeededRNG { SeededRNG(seed: UInt64(index), stream: "alfworld-v0/\(rawValue)") }

    /// The first draw of game `index`: its task type (`train`) or the training game whose task
    /// instance it repeats (`eval_in`).
    private static func firstDraw(_ split: Split, _ r: inout SeededRNG) -> Int {
        split == .train ? r.int(in: 0..<TaskType.allCases.count) : r.int(in: 0..<Split.train.count)
    }

    /// For `eval_in`: which training game's task instance game `index` repeats.
    private func source(_ index: Int) -> Int {
        var r = rng(index)
        return Split.firstDraw(self, &r)
    }

    /// The task type of game `index`, without building the game.
    public func taskType(of index: Int) -> TaskType {
        switch self {
        case .train:
            var r = rng(index)
            return TaskType.allCases[Split.firstDraw(self, &r)]
        case .evalIn: return Split.train.taskType(of: source(index))
        case .evalOut: return Split.evalOutTypes[index]
        }
    }

    /// The description of game `index` (0 ≤ index < count).
    public func description(of index: Int) -> GameDescription {
        precondition((0..<count).contains(index), "game \(index) is outside \(rawValue) (0..<\(count))")
        var r = rng(index)
        switch self {
        case .train, .evalOut:
            let type = taskType(of: index)
            if self == .train { _ = Split.firstDraw(self, &r) }
            let scenes = self.scenes.filter { !$0.taskChoices(type).isEmpty }
            let scene = r.element(of: scenes)!
            let task = GameGenerator.drawTask(type, in: scene, rng: &r)!
            return GameGenerator.describe(task, in: scene, rng: &r)
        case .evalIn:
            _ = Split.firstDraw(self, &r)
            let seen = Split.train.description(of: source(index))
            let scene = Scene.all[seen.scene!]!
            let task = TaskChoice(
                type: TaskType(rawValue: seen.task.type)!, object: TypeCatalog.object(seen.task.object)!,
                parent: seen.task.receptacle.flatMap(TypeCatalog.receptacle),
                toggle: seen.task.toggle.flatMap(TypeCatalog.object))
            return GameGenerator.describe(task, in: scene, rng: &r)
        }
    }

    /// Game `index`, built and certified.
    public func game(_ index: Int) throws(GameError) -> Game {
        try Game.make(description(of: index))
    }
}
