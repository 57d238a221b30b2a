/// The state flags of an object (`isClean`, `isHot`, `isCool`, `isToggled`, `isSliced`).
public struct ObjectState: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let clean = ObjectState(rawValue: 1)
    public static let hot = ObjectState(rawValue: 2)
    public static let cool = ObjectState(rawValue: 4)
    public static let toggled = ObjectState(rawValue: 8)
    public static let sliced = ObjectState(rawValue: 16)
}

/// A receptacle instance of a game: `cabinet 3` at location `loc 12`.
public struct Receptacle: Sendable, Equatable {
    public let type: ReceptacleType
    public let number: Int
    /// The display name, `cabinet 3`.
    public let name: String
    /// The index of its location in `Game.locationNumbers`.
    public let location: Int
    /// This instance opens and closes (and starts closed).
    public let openable: Bool
}

/// An object instance of a game: `apple 2`.
public struct Thing: Sendable, Equatable {
    public let type: ObjectType
    public let number: Int
    /// The display name, `apple 2`.
    public let name: String
}

/// One ALFWorld game: the fixed part of a world (its receptacles, objects, locations and task)
/// and the state it starts in. Immutable and shared; the changing part is a `WorldState`.
///
/// Invariants, established by `Game.init(_:)` (which validates a `GameDescription`):
/// - `receptacles` and `objects` are in display order: type name ascending, then instance number
///   descending (spec §2). So any set of indices sorted ascending renders in ALFWorld's order.
/// - Locations are indices: `0..<start` hold receptacles; `start` is the agent's own start location,
///   where no receptacle is. `locationNumbers[l]` is the `loc N` number the old grammar prints.
/// - Every object starts in a receptacle that may hold it (`canContain`, or a fixture's host),
///   no object is held, everything openable is closed and nothing is toggled.
/// - The task is solvable and not already achieved (the planner certified it).
public final class Game: Sendable {
    public let description: GameDescription
    public let room: RoomType?
    public let scene: Int
    public let task: Task
    public let receptacles: [Receptacle]
    public let objects: [Thing]
    public let locationNumbers: [Int]
    /// The agent's start location (the last location index).
    public let start: Int
    /// Receptacle indices at each location, ascending.
    public let receptaclesAt: [[Int]]
    /// The state the game starts in.
    public let initial: WorldState
    /// `{folder}/{trial}`, what harnesses match prompt prefixes against.
    public let name: String

    // Precomputed per game so that steps do not rebuild strings (see `Game+Text.swift`).
    let intro: String
    let goToText: [String]
    let examineReceptacleText: [String]
    let openText: [String]
    let closeText: [String]
    let examineObjectText: [String]
    let useText: [String]
    /// Receptacle indices sorted by their `go to …` command, for the admissible list.
    let goToOrder: [Int]
    /// Objects of the task's object type, of its toggle type, and receptacles of its parent type.
    let targets: [Int]
    let lamps: [Int]
    let destinations: [Int]

    init(
        description: GameDescription, room: RoomType?, scene: Int, task: Task, receptacles: [Receptacle],
        objects: [Thing], locationNumbers: [Int], initial: WorldState
    ) {
        self.description = description
        self.room = room
        self.scene = scene
        self.task = task
        self.receptacles = receptacles
        self.objects = objects
        self.locationNumbers = locationNumbers
        self.start = locationNumbers.count - 1
        var at = [[Int]](repeating: [], count: locationNumbers.count)
        for (index, receptacle) in receptacles.enumerated() { at[receptacle.location].append(index) }
        self.receptaclesAt = at
        self.initial = initial
        self.name = "\(task.folderName(scene: scene))/\(description.trial ?? GameDescription.defaultTrial)"

        intro =
            "-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a room. Looking quickly around you, you see "
            + Text.list(receptacles.map(\.name)) + ".\n\nYour task is to: " + task.goal
        let goTo = receptacles.map { "go to \($0.name)" }
        goToText = goTo
        examineReceptacleText = receptacles.map { "examine \($0.name)" }
        openText = receptacles.map { "open \($0.name)" }
        closeText = receptacles.map { "close \($0.name)" }
        examineObjectText = objects.map { "examine \($0.name)" }
        useText = objects.map { "use \($0.name)" }
        goToOrder = receptacles.indices.sorted { goTo[$0] < goTo[$1] }
        targets = objects.indices.filter { objects[$0].type == task.object }
        lamps = task.toggle.map { toggle in objects.indices.filter { objects[$0].type == toggle } } ?? []
        destinations =
            task.receptacle.map { parent in receptacles.indices.filter { receptacles[$0].type == parent } }
            ?? []
    }

    /// The location index of receptacle `r`.
    @inline(__always) func location(of r: Int) -> Int { receptacles[r].location }
}

/// The changing part of a world: where the agent is, what it holds, where every object is, which
/// receptacles are open and the objects' states. A value: copying it forks the world (the planner
/// and snapshots rely on that).
///
/// Invariants: `parent[o] == -1` exactly when `holding == o`; `contents[r]` lists, ascending, the
/// objects whose `parent` is `r`.
public struct WorldState: Hashable, Sendable {
    /// The agent's location index.
    public var location: Int
    /// The held object's index, or -1.
    public var holding: Int
    /// Each object's receptacle index, or -1 while held.
    public var parent: [Int]
    /// Each receptacle's objects, ascending (display order).
    public var contents: [[Int]]
    public var opened: [Bool]
    public var states: [ObjectState]

    /// Moves object `o` into receptacle `r`, keeping `contents[r]` sorted.
    mutating func place(_ o: Int, in r: Int) {
        parent[o] = r
        let items = contents[r]
        var insertAt = items.count
        for (position, item) in items.enumerated() where item > o {
            insertAt = position
            break
        }
        contents[r].insert(o, at: insertAt)
    }

    /// Takes object `o` out of its receptacle into the agent's hands.
    mutating func pickUp(_ o: Int) {
        let r = parent[o]
        if r >= 0, let position = contents[r].firstIndex(of: o) { contents[r].remove(at: position) }
        parent[o] = -1
        holding = o
    }
}
