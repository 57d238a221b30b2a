import Testing
import TroupeCore

@testable import ALFWorldEnv

/// Explicit games: valid ones build and export back to themselves; invalid ones are rejected
/// with the field and the reason.
@Suite struct GameDescriptionTests {
    @Test func exportRoundTrips() throws {
        for game in [try Fixtures.game("kitchen.json"), try Fixtures.game("bedroom.json"), try Split.evalOut.game(5)] {
            let exported = game.exported()
            let again = try Game.make(exported)
            #expect(again.exported() == exported)
            #expect(again.intro == game.intro)
            #expect(again.initial == game.initial)
            #expect(again.name == game.name)
            // Through JSON text too.
            let parsed = try GameDescription.decode(JSONValue.parse(exported.json().serialized()))
            #expect(parsed == exported)
        }
    }

    /// Each broken description names its field.
    @Test(arguments: [
        (
            "unknown receptacle type", #"{"receptacles": [{"name": "cupboard 1", "location": 11}]}"#,
            "receptacles[0].name"
        ),
        ("capitalised name", #"{"receptacles": [{"name": "Cabinet 4", "location": 11}]}"#, "receptacles[0].name"),
        ("no number", #"{"objects": [{"name": "apple", "receptacle": "fridge 1"}]}"#, "objects[0].name"),
        (
            "unknown object type", #"{"objects": [{"name": "spaceship 1", "receptacle": "fridge 1"}]}"#,
            "objects[0].name"
        ),
        (
            "impossible placement", #"{"objects": [{"name": "apple 3", "receptacle": "cabinet 1"}]}"#,
            "objects[0].receptacle"
        ),
        (
            "missing receptacle", #"{"objects": [{"name": "apple 3", "receptacle": "fridge 9"}]}"#,
            "objects[0].receptacle"
        ),
        (
            "openable countertop", #"{"receptacles": [{"name": "countertop 2", "location": 11, "openable": true}]}"#,
            "receptacles[0].openable"
        ),
        (
            "unknown task type", #"{"task": {"type": "pick_and_juggle", "object": "Apple", "receptacle": "Fridge"}}"#,
            "task.type"
        ),
        (
            "object not in game",
            #"{"task": {"type": "pick_and_place_simple", "object": "Laptop", "receptacle": "Fridge"}}"#,
            "task.object"
        ),
        (
            "receptacle cannot hold object",
            #"{"task": {"type": "pick_and_place_simple", "object": "Mug", "receptacle": "GarbageCan"}}"#,
            "task.receptacle"
        ),
        (
            "cannot be heated",
            #"{"task": {"type": "pick_heat_then_place_in_recep", "object": "Knife", "receptacle": "CounterTop"}}"#,
            "task.object"
        ),
        (
            "two needs two",
            #"{"task": {"type": "pick_two_obj_and_place", "object": "Egg", "receptacle": "CounterTop"}}"#,
            "task.object"
        ),
        (
            "already won", #"{"task": {"type": "pick_and_place_simple", "object": "Apple", "receptacle": "Fridge"}}"#,
            "task"
        ),
        ("wrong goal", #"{"goal": "put a plate on the moon."}"#, "goal"),
        (
            "lamp missing", #"{"task": {"type": "look_at_obj_in_light", "object": "Mug", "toggle": "DeskLamp"}}"#,
            "task.toggle"
        ),
        ("start on a receptacle", #"{"start_location": 5}"#, "start_location"),
    ])
    func rejectsWithField(name: String, patch: String, field: String) throws {
        var json = try Fixtures.gameJSON("kitchen.json")
        guard case .object(var members) = json, case .object(let changes) = try JSONValue.parse(patch) else { return }
        for (key, value) in changes {
            if key == "receptacles" || key == "objects", case .array(let extra) = value,
                case .array(let existing) = members[key]!
            {
                members[key] = .array(extra + existing)
            } else {
                members[key] = value
            }
        }
        json = .object(members)
        do {
            _ = try Game.make(GameDescription.decode(json))
            Issue.record("\(name): accepted")
        } catch {
            #expect(error.field?.hasPrefix(field) == true, "\(name): \(error)")
        }
    }

    /// A task the world cannot support (heating without a microwave) is unsolvable and rejected.
    /// Every openable receptacle can be opened and every target carried, so in this world a task
    /// is unsolvable exactly when a needed type is missing; those checks come before the planner's.
    @Test func rejectsTasksTheWorldCannotSupport() throws {
        let description = GameDescription(
            task: .init(type: "pick_heat_then_place_in_recep", object: "Apple", receptacle: "CounterTop"),
            receptacles: [.init(name: "countertop 1", location: 1), .init(name: "fridge 1", location: 2)],
            objects: [.init(name: "apple 1", receptacle: "fridge 1")])
        #expect(throws: GameError.self) { try Game.make(description) }
    }

    /// Through the environment, bad descriptions are `bad_config` at make and `bad_options` at reset.
    @Test func environmentErrorsNameTheField() async throws {
        var json = try Fixtures.gameJSON("kitchen.json")
        if case .object(var members) = json {
            members["task"] = ["type": "pick_and_place_simple", "object": "Mug", "receptacle": "GarbageCan"]
            json = .object(members)
        }
        let driver = InProcessDriver(registry: EnvRegistry([ALFWorldEnv.registration]))
        do {
            _ = try await driver.make("alfworld-v0", config: ["game_description": json], seed: 1)
            Issue.record("accepted")
        } catch {
            #expect(error.troupeCode == .badConfig)
            #expect(error.troupeMessage.contains("game_description.task.receptacle"))
        }
        let session = try await driver.make("alfworld-v0", config: .null, seed: 1)
        do {
            _ = try await session.reset(seed: 1, options: ["game_description": json])
            Issue.record("accepted")
        } catch {
            #expect(error.troupeCode == .badOptions)
            #expect(error.troupeMessage.contains("game_description.task.receptacle"))
        }
    }
}
