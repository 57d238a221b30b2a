/// The planner expert (spec §7, ALFWorld's `"planner"`): a shortest plan from the full state,
/// hidden objects included, as ALFWorld's Fast Downward replanning gives it.
///
/// How it stays exact and fast: an optimal plan never touches an object that is neither a target
/// nor in the agent's hands, never opens a receptacle it does not take from or put into, and
/// never looks or examines. What remains is a handful of macro steps (put down what is held,
/// fetch a target, treat it at an appliance, deliver it, switch a lamp on) whose order is fixed by
/// the task type except where it can matter (the lamp before or after fetching). The planner
/// enumerates every choice of objects, appliances, destinations and those orders, simulates each
/// candidate with the engine's own transition function, and keeps the shortest (ties: the first
/// in enumeration order, so plans are deterministic). The tests compare its lengths with a
/// breadth-first search over all admissible commands on small worlds.
struct Planner {
    let game: Game

    /// A shortest sequence of actions from `state` to a won state; `[]` when already won, nil
    /// when the goal cannot be reached.
    func plan(from state: WorldState) -> [Action]? {
        if game.isWon(state) { return [] }
        var best: [Action]?
        func consider(_ candidate: Sim) {
            guard candidate.won, best == nil || candidate.actions.count < best!.count else { return }
            best = candidate.actions
        }
        let start = Sim(game: game, state: state)
        let held = state.holding
        if held < 0 || game.objects[held].type == game.task.object {
            complete(start, consider)
        }
        if held >= 0 {
            // Putting the held object down first: one choice per location and kind of receptacle.
            for r in dropChoices(for: held, in: state) {
                var sim = start
                sim.reach(r)
                sim.run(.put(o: held, r: r))
                if sim.won { consider(sim) } else if sim.ok { complete(sim, consider) }
            }
            // For the lamp task the lamp can be switched on before putting a wrong object down.
            if game.task.type == .lookAtObjInLight && game.objects[held].type != game.task.object {
                for lamp in game.lamps where !state.states[lamp].contains(.toggled) {
                    var lit = start
                    lit.switchOn(lamp)
                    guard lit.ok else { continue }
                    for r in dropChoices(for: held, in: lit.state) {
                        var sim = lit
                        sim.reach(r)
                        sim.run(.put(o: held, r: r))
                        if sim.ok { complete(sim, consider) }
                    }
                }
            }
        }
        return best
    }

    /// Where the held object may be put down: at each location, the first receptacle that takes it
    /// without opening, and every openable one that the task may need open anyway.
    private func dropChoices(for o: Int, in state: WorldState) -> [Int] {
        let type = game.objects[o].type
        var useful = Set(game.destinations)
        for target in game.targets where state.parent[target] >= 0 { useful.insert(state.parent[target]) }
        var choices: [Int] = []
        for here in game.receptaclesAt {
            var plain = false
            for r in here where game.receptacles[r].type.canContain(type) {
                if game.isReachable(r, state) {
                    if !plain { choices.append(r) }
                    plain = true
                } else if useful.contains(r) {
                    choices.append(r)
                }
            }
        }
        return choices
    }

    /// Every completion from a state where the agent holds nothing or a target object.
    private func complete(_ start: Sim, _ consider: (Sim) -> Void) {
        switch game.task.type {
        case .pickAndPlaceSimple, .pickCleanThenPlaceInRecep, .pickHeatThenPlaceInRecep, .pickCoolThenPlaceInRecep:
            let required = game.task.type.requiredState
            let appliances = required.map { applianceType(for: $0) }.map { type in
                game.receptacles.indices.filter { game.receptacles[$0].type == type }
            }
            for o in game.targets where start.canFetch(o) {
                let treat = required.map { !start.state.states[o].contains($0) } ?? false
                for a in (treat ? appliances! : [-1]) {
                    for d in game.destinations {
                        var sim = start
                        sim.fetch(o)
                        if a >= 0 { sim.treat(o, at: a, required!) }
                        sim.deliver(o, to: d)
                        consider(sim)
                    }
                }
            }
        case .pickTwoObjAndPlace:
            for d in game.destinations {
                let inside = start.state.contents[d].filter { game.objects[$0].type == game.task.object }
                let outside = game.targets.filter { start.state.parent[$0] != d }
                if inside.count >= 1 {
                    for o in outside where start.canFetch(o) {
                        var sim = start
                        sim.fetch(o)
                        sim.deliver(o, to: d)
                        consider(sim)
                    }
                } else {
                    // The second is fetched with free hands, after the first is delivered.
                    for first in outside where start.canFetch(first) {
                        for second in outside where second != first {
                            var sim = start
                            sim.fetch(first)
                            sim.deliver(first, to: d)
                            sim.fetch(second)
                            sim.deliver(second, to: d)
                            consider(sim)
                        }
                    }
                }
            }
        case .lookAtObjInLight:
            for lamp in game.lamps {
                for o in game.targets where start.canFetch(o) {
                    let lampReceptacle = start.state.parent[lamp]
                    guard lampReceptacle >= 0 else { continue }
                    // Fetch first, then go to the lamp (and switch it on).
                    var fetchFirst = start
                    fetchFirst.fetch(o)
                    fetchFirst.goTo(lampReceptacle)
                    fetchFirst.switchOn(lamp)
                    consider(fetchFirst)
                    // Switch the lamp on first, then fetch and come back.
                    if !start.state.states[lamp].contains(.toggled) {
                        var lampFirst = start
                        lampFirst.switchOn(lamp)
                        lampFirst.fetch(o)
                        lampFirst.goTo(lampReceptacle)
                        consider(lampFirst)
                    }
                }
            }
        }
    }

    private func applianceType(for state: ObjectState) -> ReceptacleType {
        switch state {
        case .hot: return TypeCatalog.microwave
        case .cool: return TypeCatalog.fridge
        default: return TypeCatalog.sinkBasin
        }
    }
}

/// A candidate plan being simulated: the actions so far and the state they lead to. Macro steps
/// are no-ops once the goal holds (TextWorld ends the game at the first winning step) or once a
/// step was not applicable (the candidate is then discarded).
private struct Sim {
    let game: Game
    var state: WorldState
    var actions: [Action] = []
    var won = false
    var ok = true

    init(game: Game, state: WorldState) {
        self.game = game
        self.state = state
    }

    /// Whether target `o` can be fetched from here: it is held, or it lies in a receptacle and the
    /// hands are free.
    func canFetch(_ o: Int) -> Bool { state.holding == o || (state.holding < 0 && state.parent[o] >= 0) }

    mutating func run(_ action: Action) {
        guard ok, !won else { return }
        guard game.isApplicable(action, in: state, grammar: .new) else {
            ok = false
            return
        }
        game.advance(action, &state)
        actions.append(action)
        won = game.isWon(state)
    }

    /// Goes to the location of receptacle `r`, naming `r`, unless already there.
    mutating func goTo(_ r: Int) {
        if state.location != game.receptacles[r].location { run(.goTo(r: r)) }
    }

    /// Goes to `r` and opens it if it is closed.
    mutating func reach(_ r: Int) {
        goTo(r)
        if !game.isReachable(r, state) { run(.open(r: r)) }
    }

    /// Takes `o` from wherever it is, unless it is already held.
    mutating func fetch(_ o: Int) {
        guard state.holding != o else { return }
        let r = state.parent[o]
        guard r >= 0 else {
            ok = false
            return
        }
        reach(r)
        run(.take(o: o, r: r))
    }

    mutating func treat(_ o: Int, at a: Int, _ required: ObjectState) {
        goTo(a)
        switch required {
        case .hot: run(.heat(o: o, r: a))
        case .cool: run(.cool(o: o, r: a))
        default: run(.clean(o: o, r: a))
        }
    }

    mutating func deliver(_ o: Int, to d: Int) {
        reach(d)
        run(.put(o: o, r: d))
    }

    mutating func switchOn(_ lamp: Int) {
        guard !state.states[lamp].contains(.toggled) else { return }
        let r = state.parent[lamp]
        guard r >= 0 else {
            ok = false
            return
        }
        reach(r)
        run(.use(o: lamp))
    }
}
