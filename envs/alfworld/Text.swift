/// The text rules every observation is built from (spec §2 and §3).
enum Text {
    /// What any command that is not admissible prints, including `think: …` and the empty string.
    static let nothingHappens = "Nothing happens."

    /// The `help` text of the new grammar, exactly as ALFWorld 0.4.2 prints it: its grammar rule
    /// begins with a newline that the engine drops, and the text ends with one (checked against
    /// the real engine by `bench/alfworld/alfworld_peer.py compare`).
    static let help = """
        Available commands:
          look:                             look around your current location
          inventory:                        check your current inventory
          go to (receptacle):               move to a receptacle
          open (receptacle):                open a receptacle
          close (receptacle):               close a receptacle
          take (object) from (receptacle):  take an object from a receptacle
          move (object) to (receptacle):  place an object in or on a receptacle
          examine (something):              examine a receptacle or an object
          use (object):                     use an object
          heat (object) with (receptacle):  heat an object using a receptacle
          clean (object) with (receptacle): clean an object using a receptacle
          cool (object) with (receptacle):  cool an object using a receptacle
          slice (object) with (object):     slice an object using a sharp object

        """

    /// TextWorld's `display_list` with ALFWorld's separators and the article `a` for every entity:
    /// `nothing`, `a mug 1`, `a candle 1, and a spraybottle 2`, `a x 1, a y 2, and a z 3`.
    static func list(_ names: [String]) -> String {
        var out = ""
        appendList(names.count, into: &out) { names[$0] }
        return out
    }

    /// Appends the list of `count` names to `out` (the allocation-free form of `list`).
    @inline(__always)
    static func appendList(_ count: Int, into out: inout String, article: Bool = true, _ name: (Int) -> String) {
        if count == 0 {
            out += "nothing"
            return
        }
        for index in 0..<count {
            if index > 0 { out += index == count - 1 ? ", and " : ", " }
            if article { out += "a " }
            out += name(index)
        }
    }
}

extension Game {
    /// ⟨recep-view⟩: what `go to`, `open` and `examine` show of receptacle `r` (spec §3).
    func appendReceptacleView(_ r: Int, _ state: WorldState, into out: inout String) {
        let receptacle = receptacles[r]
        if receptacle.openable && !state.opened[r] {
            out += "The \(receptacle.name) is closed."
            return
        }
        out +=
            receptacle.openable
            ? "The \(receptacle.name) is open. In it, you see " : "On the \(receptacle.name), you see "
        let items = state.contents[r]
        Text.appendList(items.count, into: &out) { objects[items[$0]].name }
        out += "."
    }

    /// ⟨look-view⟩: the agent's surroundings. Only the intro lists every receptacle; `look` at the
    /// start location sees nothing, and at a receptacle it names the receptacles there without
    /// articles. Nothing ever lies on the floor, so the floor list is `nothing`.
    func lookView(_ state: WorldState) -> String {
        if state.location == start {
            return "You are in the middle of a room. Looking quickly around you, you see nothing."
        }
        let here = receptaclesAt[state.location]
        var out = "You are facing the "
        Text.appendList(here.count, into: &out, article: false) { receptacles[here[$0]].name }
        out += ". Next to it, you see nothing."
        return out
    }

    /// ⟨object-view⟩: what `examine` says of object `o`; the first matching rule wins (spec §3).
    func objectView(_ o: Int, _ state: WorldState) -> String {
        let thing = objects[o]
        let info = thing.type.info
        let s = state.states[o]
        let name = thing.name
        if info.movableReceptacle { return "This is a normal \(name). In it, you see nothing." }
        let clean = s.contains(.clean)
        let hot = s.contains(.hot)
        let cool = s.contains(.cool)
        let sliced = s.contains(.sliced)
        switch (clean, hot, cool, sliced) {
        case (true, true, _, true): return "This is a hot and clean sliced \(name)."
        case (true, _, true, true): return "This is a cool and clean sliced \(name)."
        case (true, _, _, true): return "This is a clean sliced \(name)."
        case (_, true, _, true): return "This is a hot sliced \(name)."
        case (_, _, true, true): return "This is a cool sliced \(name)."
        case (true, true, _, _): return "This is a hot and clean \(name)."
        case (true, _, true, _): return "This is a cool and clean \(name)."
        case (_, true, _, _): return "This is a hot \(name)."
        case (true, _, _, _): return "This is a clean \(name)."
        case (_, _, true, _): return "This is a cold \(name)."
        default: break
        }
        if info.toggleable { return s.contains(.toggled) ? "This \(name) is on." : "This \(name) is off." }
        if info.sliceable && sliced { return "This is a sliced \(name)." }
        return "There's nothing special about \(name)."
    }
}
