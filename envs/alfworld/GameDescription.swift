import TroupeCore

/// A complete game as JSON: what `make` (`game` in the configuration) and `reset` (`game` in the
/// options) accept, and what `export` writes for any game, generated or not. The format is
/// documented in `docs/envs/alfworld.md`.
///
/// Names are the ones the text uses: receptacles and objects are `type number` (`cabinet 3`,
/// `apple 2`); task types are ALFWorld's (`pick_heat_then_place_in_recep`); task parameters take
/// ALFRED class names (`SoapBottle`) or the lowercase display names. Decoding checks only the
/// JSON shape; `Game.init(_:)` checks the world itself and names the offending field.
public struct GameDescription: Codable, Sendable, Equatable {
    /// The ALFRED scene number (kitchens 1–30, living rooms 201–230, bedrooms 301–330, bathrooms
    /// 401–430); it names the game folder. Optional: 0 when absent.
    public var scene: Int?
    /// `kitchen`, `livingroom`, `bedroom` or `bathroom`; must agree with `scene` when both are given.
    public var room: String?
    /// The trial folder name (`trial_T20190907_212755_456877`); a fixed placeholder when absent.
    public var trial: String?
    public var task: TaskDescription
    /// The goal sentence after `Your task is to: `. Optional; when given it must be one of the
    /// task type's two templates filled in, and it picks that template.
    public var goal: String?
    /// The `loc N` number of the agent's start location; one past the largest receptacle location
    /// when absent.
    public var startLocation: Int?
    public var receptacles: [ReceptacleDescription]
    public var objects: [ObjectDescription]

    public struct TaskDescription: Codable, Sendable, Equatable {
        /// One of ALFWorld's six task types.
        public var type: String
        /// The object type to move, examine or transform (`object_target`).
        public var object: String
        /// The receptacle type it goes to (`parent_target`); absent for `look_at_obj_in_light`.
        public var receptacle: String?
        /// The lamp type (`toggle_target`) of `look_at_obj_in_light`.
        public var toggle: String?
        /// Which of the two goal templates (0 or 1); 0 when absent and `goal` does not say.
        public var template: Int?

        public init(
            type: String, object: String, receptacle: String? = nil, toggle: String? = nil, template: Int? = nil
        ) {
            self.type = type
            self.object = object
            self.receptacle = receptacle
            self.toggle = toggle
            self.template = template
        }
    }

    public struct ReceptacleDescription: Codable, Sendable, Equatable {
        /// `type number`, as the text shows it: `drawer 2`.
        public var name: String
        /// Its `loc N` number; receptacles sharing a number stand together (`go to` one reaches both).
        public var location: Int
        /// Whether this instance opens (only cabinets, drawers, fridges, microwaves and safes may).
        public var openable: Bool?

        public init(name: String, location: Int, openable: Bool? = nil) {
            self.name = name
            self.location = location
            self.openable = openable
        }
    }

    public struct ObjectDescription: Codable, Sendable, Equatable {
        /// `type number`: `apple 2`.
        public var name: String
        /// The receptacle it starts in, by name.
        public var receptacle: String
        public var clean: Bool?
        public var hot: Bool?
        public var cool: Bool?

        public init(name: String, receptacle: String, clean: Bool? = nil, hot: Bool? = nil, cool: Bool? = nil) {
            self.name = name
            self.receptacle = receptacle
            self.clean = clean
            self.hot = hot
            self.cool = cool
        }
    }

    enum CodingKeys: String, CodingKey {
        case scene, room, trial, task, goal, receptacles, objects
        case startLocation = "start_location"
    }

    public init(
        scene: Int? = nil, room: String? = nil, trial: String? = nil, task: TaskDescription, goal: String? = nil,
        startLocation: Int? = nil, receptacles: [ReceptacleDescription], objects: [ObjectDescription]
    ) {
        self.scene = scene
        self.room = room
        self.trial = trial
        self.task = task
        self.goal = goal
        self.startLocation = startLocation
        self.receptacles = receptacles
        self.objects = objects
    }

    /// The trial folder of games that do not name one.
    static let defaultTrial = "trial_T00000000_000000_000000"

    /// Decodes a description from JSON, with errors that name the field (`receptacles[2].name`).
    public static func decode(_ value: JSONValue) throws(GameError) -> GameDescription {
        do {
            return try value.decode(GameDescription.self)
        } catch let error as DecodingError {
            throw GameError(error.readableDescription)
        } catch {
            throw GameError(String(describing: error))
        }
    }

    /// This description as JSON, keys in a stable order.
    public func json() -> JSONValue {
        // Encoding plain strings, numbers and booleans cannot fail.
        (try? JSONValue(encoding: self)) ?? .null
    }
}

/// Why a game description was rejected: the field (a path such as `objects[3].receptacle`) and
/// the reason, phrased so that the user knows what to change.
public struct GameError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String?
    public var reason: String

    init(_ reason: String) {
        self.field = nil
        self.reason = reason
    }

    init(field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { field.map { "`\($0)`: \(reason)" } ?? reason }

    /// The same error with its field placed under `prefix` (`game.` + `objects[3]`).
    func under(_ prefix: String) -> GameError {
        var copy = self
        copy.field = field.map { "\(prefix).\($0)" } ?? prefix
        return copy
    }
}
