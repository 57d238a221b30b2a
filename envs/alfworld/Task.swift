/// The six ALFWorld task types (spec §1), with ALFWorld's internal names as raw values.
public enum TaskType: String, CaseIterable, Codable, Sendable, Comparable {
    case pickAndPlaceSimple = "pick_and_place_simple"
    case lookAtObjInLight = "look_at_obj_in_light"
    case pickCleanThenPlaceInRecep = "pick_clean_then_place_in_recep"
    case pickHeatThenPlaceInRecep = "pick_heat_then_place_in_recep"
    case pickCoolThenPlaceInRecep = "pick_cool_then_place_in_recep"
    case pickTwoObjAndPlace = "pick_two_obj_and_place"

    /// ALFWorld's config id (`env.task_types: [1..6]`).
    public var id: Int { TaskType.allCases.firstIndex(of: self)! + 1 }

    /// The short name used by prompts and result tables (`put`, `examine`, `clean`, …).
    public var promptKey: String {
        switch self {
        case .pickAndPlaceSimple: return "put"
        case .lookAtObjInLight: return "examine"
        case .pickCleanThenPlaceInRecep: return "clean"
        case .pickHeatThenPlaceInRecep: return "heat"
        case .pickCoolThenPlaceInRecep: return "cool"
        case .pickTwoObjAndPlace: return "puttwo"
        }
    }

    /// The two goal templates (`alfworld/gen/goal_library.py`, spec §1): `{obj}`, `{recep}` and
    /// `{toggle}` are replaced by lowercase type names.
    var templates: [String] {
        switch self {
        case .pickAndPlaceSimple: return ["put a {obj} in {recep}.", "put some {obj} on {recep}."]
        case .pickCleanThenPlaceInRecep:
            return ["put a clean {obj} in {recep}.", "clean some {obj} and put it in {recep}."]
        case .pickHeatThenPlaceInRecep:
            return ["put a hot {obj} in {recep}.", "heat some {obj} and put it in {recep}."]
        case .pickCoolThenPlaceInRecep:
            return ["put a cool {obj} in {recep}.", "cool some {obj} and put it in {recep}."]
        case .pickTwoObjAndPlace:
            return ["put two {obj} in {recep}.", "find two {obj} and put them in {recep}."]
        case .lookAtObjInLight:
            return ["look at {obj} under the {toggle}.", "examine the {obj} with the {toggle}."]
        }
    }

    /// The state the target object must be in when placed (clean, hot, cool), if any.
    var requiredState: ObjectState? {
        switch self {
        case .pickCleanThenPlaceInRecep: return .clean
        case .pickHeatThenPlaceInRecep: return .hot
        case .pickCoolThenPlaceInRecep: return .cool
        default: return nil
        }
    }

    public static func < (a: TaskType, b: TaskType) -> Bool { a.id < b.id }
}

/// A task: its type and parameters, as ALFRED's `pddl_params` hold them (`object_target`,
/// `parent_target`, `toggle_target`), and which goal template phrases it.
///
/// Invariant (checked where tasks are built): `receptacle` is set for every type except
/// `look_at_obj_in_light`, which has `toggle` instead; `template` is 0 or 1.
public struct Task: Hashable, Sendable {
    public var type: TaskType
    public var object: ObjectType
    public var receptacle: ReceptacleType?
    public var toggle: ObjectType?
    public var template: Int

    public init(type: TaskType, object: ObjectType, receptacle: ReceptacleType?, toggle: ObjectType?, template: Int) {
        self.type = type
        self.object = object
        self.receptacle = receptacle
        self.toggle = toggle
        self.template = template
    }

    /// The goal sentence after `Your task is to: ` (`put a hot apple in fridge.`).
    public var goal: String { TaskType.fill(type.templates[template], task: self) }

    /// Both sentences this task could be phrased with.
    var goalChoices: [String] { type.templates.map { TaskType.fill($0, task: self) } }

    /// The ALFRED folder name: `{type}-{Object}-None-{Parent or Toggle}-{scene}` (spec §1).
    func folderName(scene: Int) -> String {
        let last = type == .lookAtObjInLight ? (toggle?.name ?? "None") : (receptacle?.name ?? "None")
        return "\(type.rawValue)-\(object.name)-None-\(last)-\(scene)"
    }
}

extension TaskType {
    fileprivate static func fill(_ template: String, task: Task) -> String {
        let values = [
            "obj": task.object.display, "recep": task.receptacle?.display ?? "", "toggle": task.toggle?.display ?? "",
        ]
        // `put a {obj} in {recep}.` → pieces after each `{` start with a placeholder name and `}`.
        return template.pieces("{").enumerated().map { index, piece in
            guard index > 0, let close = piece.find("}") else { return String(piece) }
            return values[String(piece[..<close.lowerBound])]! + piece[close.upperBound...]
        }.joined()
    }
}

/// The room kinds of ALFRED scenes, with their scene-number ranges (`SCENE_TYPE`, spec §5).
public enum RoomType: String, CaseIterable, Codable, Sendable {
    case kitchen
    case livingroom
    case bedroom
    case bathroom

    /// The scene numbers of this kind: kitchens 1–30, living rooms 201–230, bedrooms 301–330,
    /// bathrooms 401–430.
    public var scenes: ClosedRange<Int> {
        switch self {
        case .kitchen: return 1...30
        case .livingroom: return 201...230
        case .bedroom: return 301...330
        case .bathroom: return 401...430
        }
    }

    /// The room kind of a scene number, or nil outside the four ranges.
    public static func of(scene: Int) -> RoomType? { allCases.first { $0.scenes.contains(scene) } }

    /// Which task types ALFRED poses in this kind of room (`GOALS_VALID`, spec §5).
    public var validTasks: [TaskType] {
        switch self {
        case .kitchen:
            return [
                .pickAndPlaceSimple, .pickCleanThenPlaceInRecep, .pickHeatThenPlaceInRecep,
                .pickCoolThenPlaceInRecep, .pickTwoObjAndPlace,
            ]
        case .livingroom, .bedroom: return [.pickAndPlaceSimple, .lookAtObjInLight, .pickTwoObjAndPlace]
        case .bathroom: return [.pickAndPlaceSimple, .pickCleanThenPlaceInRecep, .pickTwoObjAndPlace]
        }
    }
}
