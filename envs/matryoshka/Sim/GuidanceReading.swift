import ALFWorldEnv

/// What the `sim` black box takes from guidance: the parts of a plan it can act on, read the way
/// a literal-minded model reads instructions, step by step and word by word.
///
/// Each step (the general plan and free-text sentences too) is scanned for verbs (take, put,
/// heat/cool/clean, use, open, find/go) and for names: receptacles of this room (an instance such
/// as `countertop 2`, or a type such as `countertops`, meaning all of them) and object types.
/// From those it fills slots:
/// - `search`: receptacles named in steps that do not put, treat or use, in the order named,
///   where it will look first;
/// - `takeObject`: the object type a take (or find) step names;
/// - `treatment`: the verb of a heat/cool/clean step and the appliance it names;
/// - `destination`: the receptacle a put step names;
/// - `lamp` and `lampBeforeTake`: a use step and whether it comes before any take step;
/// - `two`: the plan fetches two objects (says two, second, another, both, or takes twice);
/// - `opensClosed`: the plan says to open receptacles.
///
/// Names that are not in this room (a plan copied from another game) are not names here and are
/// ignored, as a model would find nothing to go to.
struct GuidanceReading: Sendable, Equatable {
    var search: [String] = []
    var takeObject: String?
    var treatment: (verb: String, appliance: String?)?
    var destination: String?
    var lamp: String?
    var lampBeforeTake = false
    var two = false
    var opensClosed = false
    /// Whether the guidance had any step the reader could act on.
    var actionable: Bool {
        !search.isEmpty || takeObject != nil || treatment != nil || destination != nil || lamp != nil
    }

    static func == (a: GuidanceReading, b: GuidanceReading) -> Bool {
        a.search == b.search && a.takeObject == b.takeObject && a.treatment?.verb == b.treatment?.verb
            && a.treatment?.appliance == b.treatment?.appliance && a.destination == b.destination
            && a.lamp == b.lamp && a.lampBeforeTake == b.lampBeforeTake && a.two == b.two
            && a.opensClosed == b.opensClosed
    }

    enum Verb: String { case take, put, treat, use, open, find }

    /// Words that signal each verb (matched as whole words, lowercased).
    static let verbWords: [(Verb, [String])] = [
        (.put, ["put", "place", "move", "drop", "leave", "store"]),
        (.treat, ["heat", "warm", "cool", "chill", "refrigerate", "clean", "wash", "rinse"]),
        (.use, ["use", "turn", "switch", "light"]),
        (.take, ["take", "pick", "grab", "get", "collect", "fetch"]),
        (.open, ["open"]),
        (.find, ["find", "look", "search", "check", "go", "visit", "locate", "explore", "examine"]),
    ]
    static let treatmentOf = [
        "heat": "heat", "warm": "heat", "cool": "cool", "chill": "cool", "refrigerate": "cool", "clean": "clean",
        "wash": "clean", "rinse": "clean",
    ]
    static let twoWords: Set<String> = ["two", "second", "another", "both", "2", "twice", "other"]

    init() {}

    /// Reads `guidance` against the room and goal of `task`.
    init(_ guidance: Guidance, task: TaskReading) {
        let roomTypes = Set(task.receptacles.map(TaskReading.type(of:)))
        var units: [String] = []
        if let plan = guidance.generalPlan { units.append(plan) }
        units += guidance.steps.map(\.text)
        if !guidance.isStructured {
            // Free text: each sentence is a step.
            units += guidance.notes.flatMap { $0.split(separator: ".").map(String.init) }
        }
        var takeSteps = 0
        var putSteps = 0
        var firstTake: Int?
        var firstUse: Int?
        for (index, unit) in units.enumerated() {
            let isGeneralPlan = index == 0 && guidance.generalPlan != nil
            let words = GuidanceReading.words(unit)
            let verbs = Set(words.compactMap(GuidanceReading.verb(of:)))
            let places = GuidanceReading.receptacles(in: words, task: task, roomTypes: roomTypes)
            let objects = words.compactMap(GuidanceReading.objectType).filter { !roomTypes.contains($0) }
            if words.contains(where: GuidanceReading.twoWords.contains) { two = true }
            if verbs.contains(.open) || words.contains("closed") { opensClosed = true }
            // The general plan restates the steps; it is read for intentions, not for places.
            if verbs.contains(.treat), let word = words.first(where: { GuidanceReading.treatmentOf[$0] != nil }) {
                let verb = GuidanceReading.treatmentOf[word]!
                let appliance = places.first { TaskReading.type(of: $0) == applianceOf[verb] }
                if treatment == nil || (treatment?.appliance == nil && appliance != nil) {
                    treatment = (verb, appliance)
                }
            }
            if isGeneralPlan { continue }
            if verbs.contains(.use),
                let lampName = objects.first(where: { TypeCatalog.object($0)?.info.toggleable == true })
            {
                lamp = lampName
                firstUse = firstUse ?? index
            }
            if verbs.contains(.take) || (verbs.contains(.find) && !objects.isEmpty) {
                if let object = objects.first(where: { TypeCatalog.object($0)?.info.toggleable != true }) {
                    takeObject = takeObject ?? object
                }
            }
            if verbs.contains(.take) {
                takeSteps += 1
                firstTake = firstTake ?? index
            }
            if verbs.contains(.put), let place = places.last {
                destination = destination ?? place
                putSteps += 1
            } else if !verbs.contains(.treat) && !verbs.contains(.use) {
                for place in places where !search.contains(place) { search.append(place) }
            }
        }
        if takeSteps >= 2 || putSteps >= 2 { two = true }
        if let firstUse { lampBeforeTake = firstTake.map { firstUse < $0 } ?? true }
    }

    /// Lowercased words of letters and digits.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    static func verb(of word: String) -> Verb? {
        verbWords.first { $0.1.contains(word) }?.0
    }

    /// The object type a word names (`apples` → `apple`), if any.
    static func objectType(_ word: String) -> String? {
        TypeCatalog.object(word) != nil ? word : TypeCatalog.object(singular(word)) != nil ? singular(word) : nil
    }

    static func singular(_ word: String) -> String {
        if word.hasSuffix("es"), TypeCatalog.object(String(word.dropLast(2))) != nil { return String(word.dropLast(2)) }
        return word.hasSuffix("s") ? String(word.dropLast()) : word
    }

    /// The room's receptacles named in `words`: `type N` names that instance; a bare type (or
    /// its plural) names every instance of it, in intro order.
    static func receptacles(in words: [String], task: TaskReading, roomTypes: Set<String>) -> [String] {
        var found: [String] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            let type = roomTypes.contains(word) ? word : roomTypes.contains(singular(word)) ? singular(word) : nil
            if let type {
                if index + 1 < words.count, let number = Int(words[index + 1]) {
                    let name = "\(type) \(number)"
                    if task.receptacles.contains(name) { found.append(name) }
                    index += 2
                    continue
                }
                found += task.instances(of: type)
            }
            index += 1
        }
        var unique: [String] = []
        for name in found where !unique.contains(name) { unique.append(name) }
        return unique
    }
}
