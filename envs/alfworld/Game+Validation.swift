extension TypeCatalog {
    /// Where scene fixtures stand. ALFWorld lists lamps, plants and televisions as the content of
    /// some receptacle although no `canContain` entry allows it (spec §3 notes 4 and 5); these
    /// hosts are our choice, following the transcripts (desk lamps on desks, side tables, dressers).
    static let fixtureHosts: [ObjectType: Set<ReceptacleType>] = [
        object("DeskLamp")!: Set(receptacles(["Desk", "SideTable", "Dresser"])),
        object("FloorLamp")!: Set(
            receptacles(["SideTable", "Dresser", "Desk", "Shelf", "CoffeeTable", "ArmChair", "Sofa"])),
        object("HousePlant")!: Set(
            receptacles(["CounterTop", "DiningTable", "SideTable", "CoffeeTable", "Shelf", "Dresser", "Desk"])),
        object("Television")!: Set(receptacles(["Dresser", "SideTable", "CoffeeTable", "Desk", "Shelf"])),
    ]

    /// Whether an object of type `object` may start in a receptacle of type `receptacle`.
    static func canHold(_ receptacle: ReceptacleType, _ object: ObjectType) -> Bool {
        receptacle.canContain(object) || fixtureHosts[object]?.contains(receptacle) == true
    }
}

extension Game {
    /// Builds a game from its description, checking everything the issue asks for: names and
    /// types exist, objects stand only where they can, the task fits the world, its goal does not
    /// already hold, and the planner solves it. The error names the first offending field.
    public static func make(_ d: GameDescription) throws(GameError) -> Game {
        let scene = d.scene ?? 0
        var room: RoomType?
        if let name = d.room {
            guard let parsed = RoomType(rawValue: name) else {
                let known = RoomType.allCases.map(\.rawValue).joined(separator: ", ")
                throw GameError(field: "room", "unknown room `\(name)`; use one of \(known)")
            }
            room = parsed
        }
        guard scene >= 0 else { throw GameError(field: "scene", "must be a non-negative scene number") }
        if let byScene = RoomType.of(scene: scene) {
            if let room, room != byScene {
                throw GameError(field: "room", "scene \(scene) is a \(byScene.rawValue), not a \(room.rawValue)")
            }
            room = byScene
        }

        // Receptacles, in display order.
        var parsedReceptacles: [(type: ReceptacleType, number: Int, location: Int, openable: Bool)] = []
        var receptacleNames = Set<String>()
        guard !d.receptacles.isEmpty else {
            throw GameError(field: "receptacles", "a game needs at least one receptacle")
        }
        for (index, description) in d.receptacles.enumerated() {
            let field = "receptacles[\(index)]"
            let (type, number) = try parseInstance(
                description.name, field: field, kind: "receptacle", seen: &receptacleNames,
                known: TypeCatalog.receptacles.map(\.display)
            ) { name in TypeCatalog.receptacle(name).flatMap { $0.display == name ? $0 : nil } }
            guard description.location > 0 else {
                throw GameError(field: "\(field).location", "must be a positive `loc N` number")
            }
            let openable = description.openable ?? type.info.openableClass
            if openable && !type.info.openableClass {
                throw GameError(
                    field: "\(field).openable",
                    "a \(type.display) cannot open; only cabinet, drawer, fridge, microwave and safe may")
            }
            parsedReceptacles.append((type, number, description.location, openable))
        }
        let receptacleOrder = parsedReceptacles.indices.sorted {
            displayOrder(
                parsedReceptacles[$0].type.display, parsedReceptacles[$0].number,
                parsedReceptacles[$1].type.display, parsedReceptacles[$1].number)
        }

        // Locations: receptacle loc numbers in ascending order, then the start.
        let receptacleLocs = Array(Set(parsedReceptacles.map(\.location))).sorted()
        let startNumber = d.startLocation ?? (receptacleLocs.last! + 1)
        guard startNumber > 0, !receptacleLocs.contains(startNumber) else {
            throw GameError(
                field: "start_location", "must be a positive `loc N` number that no receptacle stands at")
        }
        let locationNumbers = receptacleLocs + [startNumber]
        let locationIndex = Dictionary(uniqueKeysWithValues: receptacleLocs.enumerated().map { ($1, $0) })
        let receptacles = receptacleOrder.map { index in
            let p = parsedReceptacles[index]
            return Receptacle(
                type: p.type, number: p.number, name: "\(p.type.display) \(p.number)",
                location: locationIndex[p.location]!,
                openable: p.openable)
        }
        let receptacleByName = Dictionary(uniqueKeysWithValues: receptacles.enumerated().map { ($1.name, $0) })

        // Objects, in display order, each where it can be.
        var parsedObjects: [(type: ObjectType, number: Int, receptacle: Int, state: ObjectState)] = []
        var objectNames = Set<String>()
        for (index, description) in d.objects.enumerated() {
            let field = "objects[\(index)]"
            let (type, number) = try parseInstance(
                description.name, field: field, kind: "object", seen: &objectNames,
                known: TypeCatalog.objects.map(\.display)
            ) { name in TypeCatalog.object(name).flatMap { $0.display == name ? $0 : nil } }
            guard let r = receptacleByName[description.receptacle] else {
                throw GameError(
                    field: "\(field).receptacle", "no receptacle is named `\(description.receptacle)` in `receptacles`")
            }
            guard TypeCatalog.canHold(receptacles[r].type, type) else {
                let hosts = TypeCatalog.receptacles.indices.map { ReceptacleType(index: $0) }
                    .filter { TypeCatalog.canHold($0, type) }.map(\.display)
                throw GameError(
                    field: "\(field).receptacle",
                    "a \(type.display) cannot be in a \(receptacles[r].type.display); "
                        + (hosts.isEmpty
                            ? "nothing can hold a \(type.display)" : "it can be in: \(hosts.joined(separator: ", "))"))
            }
            var state: ObjectState = []
            if description.clean == true { state.insert(.clean) }
            if description.hot == true { state.insert(.hot) }
            if description.cool == true { state.insert(.cool) }
            if state.isSuperset(of: [.hot, .cool]) {
                throw GameError(field: "\(field)", "an object cannot start both hot and cool")
            }
            parsedObjects.append((type, number, r, state))
        }
        let objectOrder = parsedObjects.indices.sorted {
            displayOrder(
                parsedObjects[$0].type.display, parsedObjects[$0].number,
                parsedObjects[$1].type.display, parsedObjects[$1].number)
        }
        let objects = objectOrder.map { index in
            let p = parsedObjects[index]
            return Thing(type: p.type, number: p.number, name: "\(p.type.display) \(p.number)")
        }

        let task = try parseTask(d, receptacles: receptacles, objects: objects)

        // The initial state (spec §6): agent at its start, hands empty, all closed, nothing on;
        // target-type objects in a fridge start cool, as ALFWorld's state generator marks them.
        var initial = WorldState(
            location: locationNumbers.count - 1, holding: -1, parent: [],
            contents: Array(repeating: [], count: receptacles.count),
            opened: Array(repeating: false, count: receptacles.count), states: [])
        for index in objectOrder {
            let p = parsedObjects[index]
            var state = p.state
            if p.type == task.object && receptacles[p.receptacle].type == TypeCatalog.fridge {
                state.insert(.cool)
                state.remove(.hot)
            }
            initial.parent.append(p.receptacle)
            initial.contents[p.receptacle].append(initial.parent.count - 1)
            initial.states.append(state)
        }

        let game = Game(
            description: d, room: room, scene: scene, task: task, receptacles: receptacles, objects: objects,
            locationNumbers: locationNumbers, initial: initial)
        if game.isWon(initial) {
            throw GameError(field: "task", "the goal already holds when the game starts; place the objects elsewhere")
        }
        guard Planner(game: game).plan(from: initial) != nil else {
            throw GameError(field: "task", "the planner finds no way to reach the goal in this world")
        }
        return game
    }

    /// Parses the instance name of entry `field` (`cabinet 3`): a known type, by its display
    /// name exactly as the text prints it, and a name not listed before.
    private static func parseInstance<T>(
        _ name: String, field: String, kind: String, seen: inout Set<String>, known: @autoclosure () -> [String],
        lookup: (String) -> T?
    ) throws(GameError) -> (T, Int) {
        let (typeName, number) = try parseName(name, field: "\(field).name")
        guard let type = lookup(typeName) else {
            throw GameError(
                field: "\(field).name", "unknown \(kind) type `\(typeName)`; known: " + known().joined(separator: ", "))
        }
        guard seen.insert(name).inserted else { throw GameError(field: "\(field).name", "`\(name)` is listed twice") }
        return (type, number)
    }

    /// Splits `cabinet 3` into (`cabinet`, 3).
    private static func parseName(_ name: String, field: String) throws(GameError) -> (String, Int) {
        let parts = name.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, let number = Int(parts[1]), number > 0, String(number) == parts[1] else {
            throw GameError(
                field: field, "`\(name)` is not `type number` as the text shows it (for example `cabinet 3`)")
        }
        return (String(parts[0]), number)
    }

    /// The display order of spec §2: type name ascending, then instance number descending.
    static func displayOrder(_ typeA: String, _ numberA: Int, _ typeB: String, _ numberB: Int) -> Bool {
        typeA != typeB ? typeA < typeB : numberA > numberB
    }
}
