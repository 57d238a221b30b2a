import TroupeCore

/// A scene: the fixed layout of one room, like one of ALFRED's floor plans. Its receptacles (with
/// numbers, `loc N` locations and per-instance openability), the agent's start location, and its
/// fixtures (lamps, plants, televisions) are a pure function of the scene number, drawn from
/// `SeededRNG(seed: number, stream: "alfworld-v0/scene")`. Games place objects into a scene.
struct Scene: Sendable {
    struct Fixture: Sendable {
        let type: ObjectType
        let number: Int
        /// Index into `receptacles`.
        let host: Int
    }

    let number: Int
    let room: RoomType
    let receptacles: [GameDescription.ReceptacleDescription]
    let receptacleTypes: [ReceptacleType]
    let startLocation: Int
    let fixtures: [Fixture]

    /// Every scene of every room kind, laid out once.
    static let all: [Int: Scene] = Dictionary(
        uniqueKeysWithValues: RoomType.allCases.flatMap { room in
            room.scenes.map { ($0, Scene(number: $0, room: room)) }
        })

    /// The share of cabinets and drawers that open (the rest are shelves without doors, as in
    /// ALFWorld's `*-openable.json` layouts).
    static let openableShare: [String: Double] = ["Cabinet": 0.85, "Drawer": 0.8]

    private init(number: Int, room: RoomType) {
        var rng = SeededRNG(seed: UInt64(number), stream: "alfworld-v0/scene")
        let template = RoomTemplate.of(room)
        var counts: [(ReceptacleType, Int)] = []
        for item in template.receptacles where rng.chance(item.probability) {
            counts.append((TypeCatalog.receptacle(item.name)!, rng.element(of: item.counts)!))
        }
        // Lamps need a desk, side table or dresser to stand on in the rooms where look tasks happen.
        let lampHosts = TypeCatalog.fixtureHosts[TypeCatalog.object("DeskLamp")!]!
        if room == .bedroom || room == .livingroom, !counts.contains(where: { lampHosts.contains($0.0) }) {
            counts.append((TypeCatalog.receptacle("SideTable")!, 1))
        }

        // Instances, and locations: each its own, except that neighbouring cabinets or drawers
        // sometimes share one (`cabinet 1` and `cabinet 2` at the same spot, spec §3 note 1).
        var instances: [(ReceptacleType, Int, location: Int, Bool)] = []
        var locations = 0
        for (type, count) in counts {
            let share = Scene.openableShare[type.name]
            for k in 1...count {
                let grouped = k > 1 && share != nil && rng.chance(0.15) && instances.last?.0 == type
                if !grouped { locations += 1 }
                let openable = type.info.openableClass && (share.map { rng.chance($0) } ?? true)
                instances.append((type, k, locations - 1, openable))
            }
        }
        let numbers = rng.shuffled(Array(1...(locations + 1)))
        self.number = number
        self.room = room
        self.receptacles = instances.map {
            .init(name: "\($0.0.display) \($0.1)", location: numbers[$0.location], openable: $0.3)
        }
        let types = instances.map(\.0)
        self.receptacleTypes = types
        self.startLocation = numbers[locations]

        var fixtures: [Fixture] = []
        var wanted = template.fixtures.filter { rng.chance($0.probability) }.map { TypeCatalog.object($0.name)! }
        if room == .bedroom || room == .livingroom, !wanted.contains(where: { $0.info.toggleable }) {
            wanted.append(TypeCatalog.object("DeskLamp")!)
        }
        for type in wanted {
            let hosts = types.indices.filter { TypeCatalog.canHold(types[$0], type) && !instances[$0].3 }
            guard let host = rng.element(of: hosts) else { continue }
            fixtures.append(Fixture(type: type, number: 1, host: host))
        }
        self.fixtures = fixtures
    }

    /// The lamp types of this scene.
    var lampTypes: [ObjectType] { fixtures.map(\.type).filter { $0.info.toggleable } }

    /// Whether the scene has a receptacle of `type`.
    func has(_ type: ReceptacleType) -> Bool { receptacleTypes.contains(type) }

    /// A comparable fingerprint of the layout (receptacles with locations and openability), for
    /// checking that held-out layouts never occur in training.
    var signature: String {
        receptacles.map { "\($0.name)@\($0.location)\($0.openable == true ? "o" : "")" }.joined(separator: ",")
    }
}
