import ALFWorldEnv
import LLMEnv
import TroupeCore

/// The `sim` black box for ALFWorld (responder family `alfworld`): a text-only executor that
/// reads the prompt `BlackBoxPrompt` writes, as an LLM would, and answers one command.
///
/// What it reads, and only that: the room and the goal from the intro, the guidance, and the
/// commands and observations of the history (`Transcript`, `Belief`). It never sees the world.
///
/// How it acts (`Intentions`, `nextCommand`):
/// - It follows what it can parse in the guidance (`GuidanceReading`): where to look first, what
///   to take, the treatment, the destination, the lamp, whether to fetch two, whether to open
///   closed receptacles. It follows it even when it is wrong (a wrong treatment, a wrong
///   object or destination).
/// - Where the guidance says nothing, it decides by itself from the goal sentence, and each such
///   decision goes wrong with probability `1 − competence`: it forgets the heating, cooling or
///   cleaning; fetches one object of a pick-two task; switches the lamp on without carrying the
///   object; walks past closed receptacles without opening them (until a second pass); searches
///   every receptacle in the room's order instead of only those that could hold the object.
/// - Every command it writes is malformed with probability `(1 − competence) / 4` (a missing
///   number, a missing `in/on`): the world answers `Nothing happens.` and it tries again.
///
/// Decisions that last a whole episode are drawn from a stream seeded by the task message
/// (intro and guidance), so they stay consistent from turn to turn and the same task and
/// guidance always meet the same black box; slips draw from the request's own stream. The same
/// prompt text therefore always gives the same answer, whatever game it came from.
public struct ALFWorldExecutor: SimResponder {
    public static let kind = SimResponderKind(
        family: "alfworld",
        summary:
            "an ALFWorld executor that follows the guidance in its prompt and searches by itself where it says nothing"
    ) { options in
        guard options.isEmpty else {
            throw EnvError.badConfig("the alfworld family takes no options; set `competence` on the backend")
        }
        return ALFWorldExecutor()
    }

    public init() {}

    public func respond(to input: LLMInput, competence: Double, rng: inout SeededRNG) throws -> String {
        guard let transcript = Transcript(input) else { return "look" }
        let task = TaskReading(intro: transcript.intro)
        let reading = GuidanceReading(Guidance.parse(transcript.guidance), task: task)
        var episode = SeededRNG(seed: SeededRNG.fnv1a64(transcript.taskMessage), stream: "alfworld-executor")
        let intentions = Intentions(task: task, reading: reading, competence: competence, rng: &episode)
        let belief = Belief(turns: transcript.turns, receptacles: task.receptacles)
        let command = intentions.nextCommand(belief, task: task, rng: &rng)
        guard rng.chance((1 - competence) / 4) else { return command }
        return ALFWorldExecutor.slip(command)
    }

    /// A malformed variant of `command`: the last instance number dropped, or a word added.
    static func slip(_ command: String) -> String {
        var words = command.split(separator: " ").map(String.init)
        if let last = words.lastIndex(where: { Int($0) != nil }) {
            words.remove(at: last)
            return words.joined(separator: " ")
        }
        return command + " around"
    }
}

/// What the black box means to do this episode: the guidance's slots where it gave them, its own
/// decisions (each wrong with probability `1 − competence`) elsewhere.
struct Intentions {
    var object: String
    var treatment: (verb: String, appliance: String)?
    var destination: String?
    var count: Int
    var lamp: String?
    /// Look tasks: switch the lamp on before fetching the object, and call it done there.
    var lampWithoutObject = false
    var opensClosed: Bool
    /// Where to look for the object, in order.
    var search: [String]
    /// Where to look for the lamp, in order.
    var lampSearch: [String]

    init(task: TaskReading, reading: GuidanceReading, competence c: Double, rng: inout SeededRNG) {
        // Every draw happens whatever the guidance says, so that guidance changes only the
        // decisions it covers and the stream stays aligned.
        let confused = rng.chance(1 - c)
        let forgetsTreatment = rng.chance(1 - c)
        let fetchesOne = rng.chance(1 - c)
        let lampFirst = rng.chance(1 - c)
        let skipsClosed = rng.chance(1 - c)
        let searchesEverything = rng.chance(1 - c)

        if let other = reading.takeObject, other != task.object, confused {
            object = other
        } else {
            object = task.object
        }
        if let guided = reading.treatment {
            let appliance = guided.appliance ?? task.instances(of: applianceOf[guided.verb]!).first
            treatment = appliance.map { (guided.verb, $0) }
        } else if let needed = task.treatment, !forgetsTreatment {
            treatment = task.instances(of: needed.appliance).first.map { (needed.verb, $0) }
        }
        destination = reading.destination ?? task.parent.flatMap { task.instances(of: $0).first }
        if task.kind == .look { destination = nil }
        count = task.kind == .two && (reading.two || !fetchesOne) ? 2 : 1
        if task.kind == .look {
            lamp = reading.lamp ?? task.toggle
            let guidedTake = reading.takeObject != nil && !reading.lampBeforeTake
            lampWithoutObject = !guidedTake && (reading.lampBeforeTake || lampFirst)
        }
        opensClosed = reading.opensClosed || !skipsClosed
        // Its own search: where the object could be (common sense), or, when that decision goes
        // wrong, every receptacle in the order the room lists them.
        let own = searchesEverything ? task.receptacles : task.possibleHosts(of: object)
        search = reading.search + own.filter { !reading.search.contains($0) }
        let lampHosts = lamp.map(task.possibleHosts(of:)) ?? task.receptacles
        lampSearch = reading.search + lampHosts.filter { !reading.search.contains($0) }
    }

    /// The next command, from what the black box believes.
    func nextCommand(_ b: Belief, task: TaskReading, rng: inout SeededRNG) -> String {
        func at(_ place: String, _ command: String) -> String {
            b.location == place ? command : "go to \(place)"
        }
        func put(_ object: String, _ place: String) -> String {
            b.closed.contains(place) && !b.opened.contains(place) ? "open \(place)" : "put \(object) in/on \(place)"
        }
        if let held = b.holding {
            if TaskReading.type(of: held) != object {
                let home = b.takenFrom[held] ?? b.location ?? task.receptacles.first ?? ""
                return at(home, put(held, home))
            }
            if let treatment, b.treated[held] != treatment.verb {
                return at(treatment.appliance, "\(treatment.verb) \(held) with \(treatment.appliance)")
            }
            if task.kind == .look {
                return useLamp(b, task: task, rng: &rng) ?? "look"
            }
            guard let destination else { return "look" }
            return at(destination, put(held, destination))
        }
        // Hands free.
        let delivered = b.placed.filter { TaskReading.type(of: $0.key) == object && $0.value == destination }
        if task.kind != .look, delivered.count >= count { return "look" }
        if task.kind == .look, lampWithoutObject {
            if !b.lampsOn.isEmpty { return "look" }
            return useLamp(b, task: task, rng: &rng) ?? "look"
        }
        if let found = b.seen(object, excluding: Set(delivered.keys), order: search) {
            if b.closed.contains(found.place) && !b.opened.contains(found.place) {
                return at(found.place, "open \(found.place)")
            }
            return at(found.place, "take \(found.object) from \(found.place)")
        }
        return explore(b, order: search, rng: &rng)
    }

    /// Goes to the lamp and switches it on, or searches for it; nil when it is already on here.
    private func useLamp(_ b: Belief, task: TaskReading, rng: inout SeededRNG) -> String? {
        guard let lamp else { return nil }
        if let found = b.seen(lamp, order: lampSearch) {
            if b.lampsOn.contains(found.object) && b.location == found.place { return nil }
            return b.location == found.place ? "use \(found.object)" : "go to \(found.place)"
        }
        return explore(b, order: lampSearch, rng: &rng)
    }

    /// The next search move: open or look at the receptacle here, or go to the next unchecked
    /// one. Closed receptacles it did not open are looked into on a second pass.
    private func explore(_ b: Belief, order: [String], rng: inout SeededRNG) -> String {
        if let here = b.location, !b.checked.contains(here) {
            if b.closed.contains(here) && !b.opened.contains(here) {
                if opensClosed { return "open \(here)" }
            } else {
                return "examine \(here)"
            }
        }
        let skipped = b.closed.subtracting(b.opened)
        if let next = order.first(where: { !b.checked.contains($0) && !b.visited.contains($0) && $0 != b.location }) {
            return "go to \(next)"
        }
        if let here = b.location, skipped.contains(here) { return "open \(here)" }
        if let next = order.first(where: { skipped.contains($0) && $0 != b.location }) { return "go to \(next)" }
        // Searched everywhere it could think of: wander.
        return rng.element(of: order.filter { $0 != b.location }).map { "go to \($0)" } ?? "look"
    }
}
