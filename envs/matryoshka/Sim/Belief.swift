/// What the `sim` black box knows after reading the history in its prompt: where it is, what it
/// holds, what it has seen where, what it opened, treated and placed. Built by replaying the
/// commands it sent and the observations it was shown (never the world's state), so a prompt
/// with the same text always gives the same belief.
struct Belief: Sendable {
    var location: String?
    var holding: String?
    /// Where each held object came from (to put a wrong one back).
    var takenFrom: [String: String] = [:]
    /// Objects it heated, cooled or cleaned, with the verb.
    var treated: [String: String] = [:]
    /// Objects it put down, and where.
    var placed: [String: String] = [:]
    /// The last list seen in or on each receptacle.
    var contents: [String: [String]] = [:]
    var closed: Set<String> = []
    var opened: Set<String> = []
    /// Receptacles it has looked in or on; receptacles it has stood at.
    var checked: Set<String> = []
    var visited: Set<String> = []
    /// Lamps it switched on.
    var lampsOn: Set<String> = []
    /// Commands sent, and whether the last one did nothing.
    var steps = 0
    var lastFailed = false
    var lastCommand: String?

    /// Replays `turns`; `receptacles` are the room's (from the intro).
    init(turns: [(command: String, observation: String)], receptacles: [String]) {
        for turn in turns { observe(turn.command, turn.observation, receptacles: receptacles) }
    }

    private mutating func observe(_ command: String, _ observation: String, receptacles: [String]) {
        steps += 1
        lastCommand = command
        lastFailed = observation.hasPrefix("Nothing happens")
        if lastFailed, command.hasPrefix("go to "), receptacles.contains(String(command.dropFirst(6))) {
            // Going where one already stands does nothing: receptacles that share a place.
            location = String(command.dropFirst(6))
            visited.insert(location!)
        }
        guard !lastFailed else { return }
        let verb = command.prefix { $0 != " " }
        let rest = String(command.dropFirst(verb.count + 1))
        switch verb {
        case "go":
            location = String(command.dropFirst("go to ".count))
            visited.insert(location!)
        case "open":
            opened.insert(rest)
            closed.remove(rest)
        case "close":
            opened.remove(rest)
            closed.insert(rest)
        case "take":
            let parts = rest.components(separatedBy: " from ")
            holding = parts[0]
            takenFrom[parts[0]] = parts.count > 1 ? parts[1] : location
            for (place, items) in contents { contents[place] = items.filter { $0 != parts[0] } }
        case "put", "move":
            let parts = rest.components(separatedBy: verb == "put" ? " in/on " : " to ")
            if parts.count == 2 {
                holding = nil
                placed[parts[0]] = parts[1]
                contents[parts[1], default: []].append(parts[0])
            }
        case "heat", "cool", "clean":
            if let object = rest.components(separatedBy: " with ").first { treated[object] = String(verb) }
        case "use":
            lampsOn.insert(rest)
        default:
            break
        }
        read(observation)
    }

    /// Reads a receptacle view (`On the X, you see …`, `The X is open. In it, you see …`,
    /// `The X is closed.`) anywhere in the observation.
    private mutating func read(_ observation: String) {
        if let on = observation.range(of: "On the "),
            let see = observation.range(of: ", you see ", range: on.upperBound..<observation.endIndex)
        {
            let name = String(observation[on.upperBound..<see.lowerBound])
            record(name, list: observation[see.upperBound...])
        } else if let open = observation.range(of: " is open. In it, you see ") {
            let head = observation[..<open.lowerBound]
            if let the = head.range(of: "The ", options: .backwards) {
                let name = String(head[the.upperBound...])
                opened.insert(name)
                closed.remove(name)
                record(name, list: observation[open.upperBound...])
            }
        } else if let closedAt = observation.range(of: " is closed."), let the = observation.range(of: "The ") {
            closed.insert(String(observation[the.upperBound..<closedAt.lowerBound]))
        }
    }

    private mutating func record(_ name: String, list: Substring) {
        var list = list
        if list.hasSuffix(".") { list = list.dropLast() }
        contents[name] = TaskReading.items(String(list))
        checked.insert(name)
    }

    /// Where an object of `type` was last seen (not held, not among `excluded`), nearest first:
    /// here, then in the order the receptacles were seen.
    func seen(_ type: String, excluding excluded: Set<String> = [], order: [String]) -> (object: String, place: String)?
    {
        let places = (location.map { [$0] } ?? []) + order.filter { $0 != location }
        for place in places {
            if let item = contents[place]?.first(where: { TaskReading.type(of: $0) == type && !excluded.contains($0) })
            {
                return (item, place)
            }
        }
        return nil
    }
}
