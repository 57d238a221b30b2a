/// The two command grammars (spec §8): the old one (ALFWorld ≤ 0.3, what ReAct, Reflexion,
/// AdaPlanner and Matryoshka were written against) and the new one (ALFWorld ≥ 0.4).
public enum Grammar: String, Codable, Sendable, CaseIterable {
    /// `put X in/on Y`, `You arrive at loc N. `, no `help`.
    case old
    /// `move X to Y`, `You arrive at Y. `, `help`.
    case new
}

/// A grounded command, by indices into the game's receptacles (`r`) and objects (`o`).
/// The text form of each is in `Game.text(of:grammar:)`; the engine only ever applies actions that
/// are admissible in the current state.
public enum Action: Hashable, Sendable, Codable {
    case goTo(r: Int)
    case open(r: Int)
    case close(r: Int)
    case take(o: Int, r: Int)
    /// `put o in/on r` (old grammar) or `move o to r` (new).
    case put(o: Int, r: Int)
    case heat(o: Int, r: Int)
    case cool(o: Int, r: Int)
    case clean(o: Int, r: Int)
    case use(o: Int)
    /// `slice o with k`: `k` is the held knife.
    case slice(o: Int, k: Int)
    case examineReceptacle(r: Int)
    case examineObject(o: Int)
    case inventory
    case look
    /// New grammar only.
    case help

    /// Whether the action can change the world (everything but looking, examining and help).
    var changesState: Bool {
        switch self {
        case .examineReceptacle, .examineObject, .inventory, .look, .help: return false
        default: return true
        }
    }
}

extension Game {
    /// The command text of `action` (spec §3).
    public func text(of action: Action, grammar: Grammar) -> String {
        switch action {
        case .goTo(let r): return goToText[r]
        case .open(let r): return openText[r]
        case .close(let r): return closeText[r]
        case .take(let o, let r): return "take \(objects[o].name) from \(receptacles[r].name)"
        case .put(let o, let r):
            return grammar == .old
                ? "put \(objects[o].name) in/on \(receptacles[r].name)"
                : "move \(objects[o].name) to \(receptacles[r].name)"
        case .heat(let o, let r): return "heat \(objects[o].name) with \(receptacles[r].name)"
        case .cool(let o, let r): return "cool \(objects[o].name) with \(receptacles[r].name)"
        case .clean(let o, let r): return "clean \(objects[o].name) with \(receptacles[r].name)"
        case .use(let o): return useText[o]
        case .slice(let o, let k): return "slice \(objects[o].name) with \(objects[k].name)"
        case .examineReceptacle(let r): return examineReceptacleText[r]
        case .examineObject(let o): return examineObjectText[o]
        case .inventory: return "inventory"
        case .look: return "look"
        case .help: return "help"
        }
    }

    /// Whether receptacle `r` is at the agent's location.
    @inline(__always) func isHere(_ r: Int, _ s: WorldState) -> Bool { receptacles[r].location == s.location }

    /// Whether the inside of `r` can be reached: not an openable receptacle that is closed.
    @inline(__always) func isReachable(_ r: Int, _ s: WorldState) -> Bool { !receptacles[r].openable || s.opened[r] }

    /// Whether object `o` lies in a receptacle at the agent's location, open or not.
    @inline(__always) func isAround(_ o: Int, _ s: WorldState) -> Bool {
        let r = s.parent[o]
        return r >= 0 && isHere(r, s)
    }

    /// The precondition of `action` in state `s`, straight from the table of spec §3 (the
    /// admissible list is built from the same rules; the tests check that they agree).
    public func isApplicable(_ action: Action, in s: WorldState, grammar: Grammar) -> Bool {
        switch action {
        case .goTo(let r): return !isHere(r, s)
        case .open(let r): return isHere(r, s) && receptacles[r].openable && !s.opened[r]
        case .close(let r): return isHere(r, s) && receptacles[r].openable && s.opened[r]
        case .take(let o, let r):
            return s.holding < 0 && s.parent[o] == r && isHere(r, s) && isReachable(r, s)
                && objects[o].type.info.pickupable
        case .put(let o, let r):
            return s.holding == o && isHere(r, s) && isReachable(r, s)
                && receptacles[r].type.canContain(objects[o].type)
        case .heat(let o, let r):
            return s.holding == o && objects[o].type.info.heatable && receptacles[r].type == TypeCatalog.microwave
                && isHere(r, s)
        case .cool(let o, let r):
            return s.holding == o && objects[o].type.info.coolable && receptacles[r].type == TypeCatalog.fridge
                && isHere(r, s)
        case .clean(let o, let r):
            return s.holding == o && objects[o].type.info.cleanable && receptacles[r].type == TypeCatalog.sinkBasin
                && isHere(r, s)
        // `use` and `slice` need the object at the agent's location, even in a closed receptacle
        // (ToggleObject and SliceObject test location, not openness).
        case .use(let o): return objects[o].type.info.toggleable && isAround(o, s)
        case .slice(let o, let k):
            return s.holding == k && TypeCatalog.knives.contains(objects[k].type) && objects[o].type.info.sliceable
                && isAround(o, s)
        case .examineReceptacle(let r): return isHere(r, s)
        // Only the held object can be examined: the engine never grounds examineObject's other
        // disjunct (an object in an open receptacle here), so ALFWorld answers `Nothing happens.`.
        case .examineObject(let o): return s.holding == o
        case .inventory, .look: return true
        case .help: return grammar == .new
        }
    }

    /// Applies an applicable action and returns its feedback, rendered after the state update as
    /// TextWorld does (spec §3).
    public func apply(_ action: Action, to s: inout WorldState, grammar: Grammar) -> String {
        advance(action, &s)
        return feedback(action, after: s, grammar: grammar)
    }

    /// The effect of an applicable action on the state (the PDDL effects of spec §1 and §3).
    func advance(_ action: Action, _ s: inout WorldState) {
        switch action {
        case .goTo(let r): s.location = receptacles[r].location
        case .open(let r): s.opened[r] = true
        case .close(let r): s.opened[r] = false
        case .take(let o, _): s.pickUp(o)
        case .put(let o, let r):
            s.holding = -1
            s.place(o, in: r)
        case .heat(let o, _):
            s.states[o].insert(.hot)
            s.states[o].remove(.cool)
        case .cool(let o, _):
            s.states[o].insert(.cool)
            s.states[o].remove(.hot)
        case .clean(let o, _): s.states[o].insert(.clean)
        // ToggleObject always ends with the lamp on, so `use` always says so (spec §3 note 4).
        case .use(let o): s.states[o].insert(.toggled)
        case .slice(let o, _): s.states[o].insert(.sliced)
        case .examineReceptacle, .examineObject, .inventory, .look, .help: break
        }
    }

    /// The feedback of `action`, given the state after it.
    func feedback(_ action: Action, after s: WorldState, grammar: Grammar) -> String {
        switch action {
        case .goTo(let r):
            var out =
                grammar == .old
                ? "You arrive at loc \(locationNumbers[s.location]). " : "You arrive at \(receptacles[r].name). "
            appendReceptacleView(r, s, into: &out)
            return out
        case .open(let r):
            var out = "You open the \(receptacles[r].name). "
            appendReceptacleView(r, s, into: &out)
            return out
        case .close(let r): return "You close the \(receptacles[r].name)."
        case .take(let o, let r): return "You pick up the \(objects[o].name) from the \(receptacles[r].name)."
        case .put(let o, let r):
            return grammar == .old
                ? "You put the \(objects[o].name) in/on the \(receptacles[r].name)."
                : "You move the \(objects[o].name) to the \(receptacles[r].name)."
        case .heat(let o, let r): return "You heat the \(objects[o].name) using the \(receptacles[r].name)."
        case .cool(let o, let r): return "You cool the \(objects[o].name) using the \(receptacles[r].name)."
        case .clean(let o, let r): return "You clean the \(objects[o].name) using the \(receptacles[r].name)."
        case .use(let o): return "You turn on the \(objects[o].name)."
        case .slice(let o, let k): return "You sliced the \(objects[o].name) with the \(objects[k].name)."
        case .examineReceptacle(let r):
            var out = ""
            appendReceptacleView(r, s, into: &out)
            return out
        case .examineObject(let o): return objectView(o, s)
        case .inventory:
            return s.holding < 0 ? "You are not carrying anything." : "You are carrying: a \(objects[s.holding].name)."
        case .look: return lookView(s)
        case .help: return Text.help
        }
    }

    /// Whether the task's goal holds in `s` (the PDDL goals of spec §1).
    public func isWon(_ s: WorldState) -> Bool {
        switch task.type {
        case .pickAndPlaceSimple, .pickCleanThenPlaceInRecep, .pickHeatThenPlaceInRecep, .pickCoolThenPlaceInRecep:
            let required = task.type.requiredState
            for o in targets {
                let r = s.parent[o]
                guard r >= 0, receptacles[r].type == task.receptacle else { continue }
                if let required, !s.states[o].contains(required) { continue }
                return true
            }
            return false
        case .pickTwoObjAndPlace:
            for r in destinations {
                var count = 0
                for o in s.contents[r] where objects[o].type == task.object {
                    count += 1
                    if count == 2 { return true }
                }
            }
            return false
        case .lookAtObjInLight:
            guard s.holding >= 0, objects[s.holding].type == task.object else { return false }
            for lamp in lamps where s.states[lamp].contains(.toggled) {
                let r = s.parent[lamp]
                if r >= 0 && receptacles[r].location == s.location { return true }
            }
            return false
        }
    }
}
