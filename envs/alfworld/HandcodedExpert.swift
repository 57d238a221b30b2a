import TroupeCore

/// The handcoded expert (spec §7, ALFWorld's default `"handcoded"`): a partially observable
/// policy that knows only the text it was shown and ALFWorld's type priors.
///
/// It parses the intro for the receptacles and the goal, reads every "you see …" list to
/// remember where each object was last seen, and decides each command from that memory: put
/// down a wrong object where it came from; fetch a target (going where one was seen, otherwise
/// searching, likely receptacles first: those whose type can hold the target, popped from the end
/// of the intro order as ALFWorld does), opening closed receptacles and closing them again when
/// they held nothing useful; treat it at the microwave, fridge or sink; then find the destination
/// (for pick-two, the same instance twice) or the lamp. A proposal equal to the previous command
/// is replaced by a random admissible one, as ALFWorld's `HandCodedAgent.act` does.
///
/// It follows whoever plays: `observe` is given every executed command and its feedback, so it
/// stays useful as an oracle while another agent acts. The text is its only input; it never reads
/// the world state.
public struct HandcodedExpert: Sendable, Codable {
    public enum Kind: String, Sendable, Codable { case place, clean, heat, cool, two, look }

    let kind: Kind
    let object: String
    let parent: String?
    let toggle: String?
    let grammar: Grammar
    /// Receptacle names in intro order.
    let receptacles: [String]
    /// Search orders for the target and for the lamp (see `searchOrder`).
    let objectSearch: [String]
    let lampSearch: [String]
    var rng: SeededRNG

    var location: String?
    var holding: String?
    var takenFrom: [String: String] = [:]
    var treated: Set<String> = []
    /// Where each target and lamp was last seen.
    var seen: [String: String] = [:]
    /// Receptacles whose inside has been seen; receptacles seen closed.
    var checked: Set<String> = []
    var closed: Set<String> = []
    var opened: Set<String> = []
    /// Receptacles it opened while searching and will close again.
    var backlog: [String] = []
    /// For pick-two: objects already placed, and where.
    var placed: Set<String> = []
    var placedIn: String?
    var lampOn = false
    var lastCommand = ""

    /// Starts from the intro text (`-= Welcome … Your task is to: …`).
    public init(intro: String, grammar: Grammar, rng: SeededRNG) {
        self.grammar = grammar
        self.rng = rng
        let goal = String(intro.pieces("Your task is to: ").last ?? "")
        (kind, object, parent, toggle) = HandcodedExpert.parseGoal(goal)
        let room =
            intro.pieces("you see ").dropFirst().first?.pieces(".\n").first.map(String.init) ?? ""
        receptacles = HandcodedExpert.parseList(room)
        objectSearch = HandcodedExpert.searchOrder(receptacles, for: object)
        lampSearch = HandcodedExpert.searchOrder(receptacles, for: toggle)
    }

    /// The goal sentence as (kind, object type, parent type, lamp type), by the templates of spec §1.
    /// Public for readers of the task text that act like ALFWorld's agents (Matryoshka's sim).
    public static func parseGoal(_ goal: String) -> (Kind, String, String?, String?) {
        let sentence = goal.hasSuffix(".") ? String(goal.dropLast()) : goal
        let patterns: [(String, String, Kind)] = [
            ("put a clean ", " in ", .clean), ("clean some ", " and put it in ", .clean),
            ("put a hot ", " in ", .heat), ("heat some ", " and put it in ", .heat),
            ("put a cool ", " in ", .cool), ("cool some ", " and put it in ", .cool),
            ("put two ", " in ", .two), ("find two ", " and put them in ", .two),
            ("look at ", " under the ", .look), ("examine the ", " with the ", .look),
            ("put a ", " in ", .place), ("put some ", " on ", .place),
        ]
        for (prefix, middle, kind) in patterns where sentence.hasPrefix(prefix) {
            let rest = sentence.dropFirst(prefix.count)
            guard let range = rest.find(middle) else { continue }
            let object = String(rest[..<range.lowerBound])
            let last = String(rest[range.upperBound...])
            return kind == .look ? (kind, object, nil, last) : (kind, object, last, nil)
        }
        return (.place, "", nil, nil)
    }

    /// `a x 1, a y 2, and a z 3` → [`x 1`, `y 2`, `z 3`]; `nothing` → [].
    static func parseList(_ text: String) -> [String] {
        guard text != "nothing" else { return [] }
        return text.pieces(", ").map { item in
            var item = item
            if item.hasPrefix("and ") { item = item.dropFirst(4) }
            if item.hasPrefix("a ") { item = item.dropFirst(2) }
            return String(item)
        }
    }

    /// The type part of an instance name: `apple 2` → `apple`.
    static func type(of name: String) -> String {
        guard let space = name.lastIndex(of: " ") else { return name }
        return String(name[..<space])
    }

    private func isTarget(_ name: String) -> Bool {
        HandcodedExpert.type(of: name) == object && !placed.contains(name)
    }

    /// Whether the expert keeps track of `name`: targets and lamps (nothing else ever matters).
    private func isRelevant(_ name: String) -> Bool {
        let type = HandcodedExpert.type(of: name)
        return type == object || type == toggle
    }

    // MARK: Observing

    /// Records an executed command and its feedback.
    public mutating func observe(command: String, feedback: String) {
        lastCommand = command
        guard feedback != Text.nothingHappens else { return }
        let verb = command.prefix { $0 != " " }
        switch verb {
        case "go":
            location = String(command.dropFirst("go to ".count))
        case "open":
            let r = String(command.dropFirst("open ".count))
            opened.insert(r)
            closed.remove(r)
            if !backlog.contains(r) { backlog.append(r) }
        case "close":
            let r = String(command.dropFirst("close ".count))
            opened.remove(r)
            closed.insert(r)
            backlog.removeAll { $0 == r }
        case "take":
            let parts = command.dropFirst("take ".count).pieces(" from ").map(String.init)
            holding = parts[0]
            takenFrom[parts[0]] = parts.count > 1 ? parts[1] : location
            seen[parts[0]] = nil
        case "put", "move":
            let separator = grammar == .old ? " in/on " : " to "
            let parts = command.dropFirst(verb.count + 1).pieces(separator).map(String.init)
            if parts.count == 2 {
                holding = nil
                if isRelevant(parts[0]) { seen[parts[0]] = parts[1] }
                if kind == .two && HandcodedExpert.type(of: parts[0]) == object
                    && HandcodedExpert.type(of: parts[1]) == parent
                {
                    placed.insert(parts[0])
                    placedIn = parts[1]
                }
            }
        case "heat", "cool", "clean":
            if let held = holding { treated.insert(held) }
        case "use":
            if HandcodedExpert.type(of: String(command.dropFirst("use ".count))) == toggle { lampOn = true }
        default:
            break
        }
        readView(feedback)
    }

    /// Reads a receptacle view anywhere in the feedback and updates the memory of what is where.
    private mutating func readView(_ feedback: String) {
        var name: String?
        var list: Substring?
        if let on = feedback.find("On the "), let see = feedback.find(", you see ", from: on.upperBound) {
            name = String(feedback[on.upperBound..<see.lowerBound])
            list = feedback[see.upperBound...]
        } else if let open = feedback.find(" is open. In it, you see ") {
            let head = feedback[..<open.lowerBound]
            name = head.findLast("The ").map { String(head[$0.upperBound...]) }
            list = feedback[open.upperBound...]
        } else if let closedAt = feedback.find(" is closed."), let the = feedback.find("The ") {
            closed.insert(String(feedback[the.upperBound..<closedAt.lowerBound]))
            return
        }
        guard let name, var list else { return }
        checked.insert(name)
        // Only targets and lamps are remembered: skip lists that neither name one nor held one.
        let mentions = list.find("a \(object) ") != nil || toggle.map { list.find("a \($0) ") != nil } == true
        guard mentions || seen.values.contains(name) else { return }
        if list.hasSuffix(".") { list = list.dropLast() }
        let items = HandcodedExpert.parseList(String(list))
        for (item, place) in seen where place == name && !items.contains(item) { seen[item] = nil }
        for item in items where isRelevant(item) { seen[item] = name }
    }

    // MARK: Acting

    /// The next command, given the admissible ones (only used for the random fallback).
    public mutating func act(admissible: [String]) -> String {
        var proposal = propose()
        if proposal.hasPrefix("go to "), !admissible.contains(proposal) {
            // `go to` a receptacle at the current location is not a command: the agent is there.
            location = String(proposal.dropFirst("go to ".count))
            proposal = propose()
        }
        let stuck = proposal == lastCommand || (lastCommand == "look" && !admissible.contains(proposal))
        if stuck, let random = rng.element(of: admissible) { return random }
        return proposal
    }

    private func putCommand(_ o: String, _ r: String) -> String {
        grammar == .old ? "put \(o) in/on \(r)" : "move \(o) to \(r)"
    }

    /// `command` if the agent stands at `r`, else `go to r`.
    private func at(_ r: String, _ command: @autoclosure () -> String) -> String {
        location == r ? command() : "go to \(r)"
    }

    private mutating func propose() -> String {
        if let held = holding {
            guard isTarget(held) else {
                // A wrong object: put it back where it came from.
                let home = takenFrom[held] ?? location ?? receptacles[0]
                return at(home, closed.contains(home) ? "open \(home)" : putCommand(held, home))
            }
            if let appliance = applianceType, !treated.contains(held) {
                let target = receptacles.first { HandcodedExpert.type(of: $0) == appliance } ?? receptacles[0]
                return at(target, "\(verb) \(held) with \(target)")
            }
            if kind == .look {
                if let lamp = seen.first(where: { HandcodedExpert.type(of: $0.key) == toggle }) {
                    return at(lamp.value, "use \(lamp.key)")
                }
                return explore(for: toggle ?? "")
            }
            let destination =
                placedIn ?? receptacles.last { HandcodedExpert.type(of: $0) == parent } ?? receptacles[0]
            return at(destination, closed.contains(destination) ? "open \(destination)" : putCommand(held, destination))
        }
        // Hands free: fetch a target.
        let known = seen.filter { isTarget($0.key) && $0.value != placedIn }.sorted { $0.key < $1.key }
        if let pick = rng.element(of: known.filter { $0.value == location }) {
            return closed.contains(pick.value) ? "open \(pick.value)" : "take \(pick.key) from \(pick.value)"
        }
        if let there = known.first { return "go to \(there.value)" }
        return explore(for: object)
    }

    /// The appliance type the task needs, if any.
    private var applianceType: String? {
        switch kind {
        case .heat: return "microwave"
        case .cool: return "fridge"
        case .clean: return "sinkbasin"
        default: return nil
        }
    }

    private var verb: String {
        switch kind {
        case .heat: return "heat"
        case .cool: return "cool"
        default: return "clean"
        }
    }

    /// The next search step for objects of type `wanted`: open the closed receptacle here, close
    /// one it opened for nothing, or go to the next unchecked receptacle (likely ones first).
    /// The receptacles in search order for objects of type `wanted`: the unlikely ones, then the
    /// likely ones (whose type can hold it), each in intro order; searched from the end, so likely
    /// receptacles first, as ALFWorld's expert pops them.
    static func searchOrder(_ receptacles: [String], for wanted: String?) -> [String] {
        let type = wanted.flatMap(TypeCatalog.object)
        let likely = receptacles.filter { name in
            guard let type, let r = TypeCatalog.receptacle(HandcodedExpert.type(of: name)) else { return false }
            return r.canContain(type)
        }
        return receptacles.filter { !likely.contains($0) } + likely
    }

    private func explore(for wanted: String) -> String {
        if let here = location, !checked.contains(here) {
            return closed.contains(here) ? "open \(here)" : "examine \(here)"
        }
        if let here = location, backlog.last == here, opened.contains(here) { return "close \(here)" }
        let order = wanted == object ? objectSearch : lampSearch
        if let next = order.last(where: { !checked.contains($0) && $0 != location }) { return "go to \(next)" }
        return "go to \(order.last { $0 != location } ?? receptacles[0])"
    }
}
