import ALFWorldEnv

/// What the intro text says: the receptacles in the room and the goal, read from the sentences
/// ALFWorld prints (spec §1–§2). The `sim` black box starts from this and nothing else.
struct TaskReading: Sendable, Equatable {
    /// The goal's kind, by the six goal templates.
    typealias Kind = HandcodedExpert.Kind

    /// Receptacle names in the order the intro lists them (`cabinet 4`, `cabinet 3`, …).
    var receptacles: [String]
    var kind: Kind
    /// The object type to fetch (`apple`), the destination type (`fridge`; nil for look), the
    /// lamp type (`desklamp`; look only).
    var object: String
    var parent: String?
    var toggle: String?

    /// Reads the intro as shown (`You are in the middle of a room. … you see …\nYour task is to: …`).
    init(intro: String) {
        let room = TaskReading.between(intro, "you see ", ".\n") ?? TaskReading.between(intro, "you see ", ".") ?? ""
        receptacles = TaskReading.items(room)
        let goal =
            intro.range(of: "Your task is to: ", options: .backwards).map { String(intro[$0.upperBound...]) } ?? ""
        (kind, object, parent, toggle) = TaskReading.goal(Guidance.trimmed(goal))
    }

    /// The goal sentence as (kind, object, parent, lamp): ALFWorld's handcoded expert reads it
    /// the same way.
    static func goal(_ text: String) -> (Kind, String, String?, String?) { HandcodedExpert.parseGoal(text) }

    /// `a x 1, a y 2, and a z 3` → [`x 1`, `y 2`, `z 3`]; `nothing` → [].
    static func items(_ list: String) -> [String] {
        guard list != "nothing", !list.isEmpty else { return [] }
        return list.components(separatedBy: ", ").map { item in
            var item = Substring(item)
            if item.hasPrefix("and ") { item = item.dropFirst(4) }
            if item.hasPrefix("a ") { item = item.dropFirst(2) }
            return String(item)
        }
    }

    /// The type part of an instance name: `apple 2` → `apple`.
    static func type(of name: String) -> String {
        guard let space = name.lastIndex(of: " "), name[name.index(after: space)...].allSatisfy(\.isNumber) else {
            return name
        }
        return String(name[..<space])
    }

    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let a = text.range(of: start), let b = text.range(of: end, range: a.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[a.upperBound..<b.lowerBound])
    }

    /// The treatment verb and appliance type the goal needs, if any.
    var treatment: (verb: String, appliance: String)? {
        switch kind {
        case .clean: return ("clean", "sinkbasin")
        case .heat: return ("heat", "microwave")
        case .cool: return ("cool", "fridge")
        default: return nil
        }
    }

    /// The receptacles of type `type`, in intro order.
    func instances(of type: String) -> [String] { receptacles.filter { TaskReading.type(of: $0) == type } }

    /// Common sense about where things can be: receptacles whose type can hold an object of
    /// type `object` (ALFWorld's `canContain`, which any household knowledge agrees with), in
    /// intro order. Unknown types: every receptacle.
    func possibleHosts(of object: String) -> [String] {
        guard let type = TypeCatalog.object(object) else { return receptacles }
        return receptacles.filter { name in
            TypeCatalog.receptacle(TaskReading.type(of: name))?.canContain(type) ?? true
        }
    }
}

/// The treatment verbs and the appliance each needs.
let applianceOf = ["heat": "microwave", "cool": "fridge", "clean": "sinkbasin"]
