import Testing
import TroupeCatalog
import TroupeCore

@testable import ALFWorldEnv

/// The environment through the registry (with its `TimeLimit` and `OrderEnforcing` wrappers):
/// configuration, reset options, info, step limit, determinism and snapshots.
@Suite struct EnvironmentTests {
    let driver = InProcessDriver(registry: builtinEnvironments)

    @Test func infoCarriesWhatALFWorldsInfosDo() async throws {
        let session = try await driver.make("alfworld-v0", config: ["split": "eval_out", "game": 0], seed: 1)
        let first = try await session.reset(seed: 1, options: .null)
        let gamefile = try #require(first.info["extra.gamefile"]?.stringValue)
        #expect(gamefile.hasPrefix("json_2.1.1/valid_unseen/pick_cool_then_place_in_recep-Pot-None-Cabinet-10/trial_T"))
        #expect(gamefile.hasSuffix("/game.tw-pddl"))
        // What ReAct's harness does with it: the folder and trial, which start with the prompt prefix.
        let name = gamefile.split(separator: "/").suffix(3).prefix(2).joined(separator: "/")
        #expect(name.hasPrefix("pick_cool_then_place"))
        #expect(first.info["won"] == false)
        #expect(first.info["task_type"] == "pick_cool_then_place_in_recep")
        let commands = (first.info["admissible_commands"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(commands.contains("inventory") && commands.contains("look") && !commands.contains("help"))
        let plan = try #require(first.info["extra.expert_plan"]?.arrayValue)
        #expect(plan.count == 1)
    }

    /// The 50-step limit is `truncated` from the registry's TimeLimit, not `terminated`.
    @Test func fiftyStepsTruncate() async throws {
        let session = try await driver.make("alfworld-v0", config: ["expert": "none"], seed: 1)
        _ = try await session.reset(seed: 3, options: .null)
        for step in 1...50 {
            let result = try await session.step("look")
            #expect(result.truncated == (step == 50))
            #expect(!result.terminated)
            #expect(result.reward == 0)
        }
        await #expect(throws: EnvError.episodeEnded) { _ = try await session.step("look") }
    }

    /// Winning terminates with reward 1; the planner's plan, followed, shrinks one step at a time.
    @Test func followingThePlannerWins() async throws {
        let session = try await driver.make("alfworld-v0", config: ["expert": "planner", "split": "eval_in"], seed: 1)
        for seed in 0..<5 as Range<UInt64> {
            var result = try await session.reset(seed: seed, options: .null)
            var info = result.info
            var plan = try #require(info["extra.expert_plan"]?.arrayValue)
            var steps = 0
            while !plan.isEmpty {
                let step = try await session.step(plan[0])
                steps += 1
                let rest = try #require(step.info["extra.expert_plan"]?.arrayValue)
                #expect(Array(rest) == Array(plan.dropFirst()))
                if step.terminated {
                    #expect(step.reward == 1)
                    #expect(step.info["won"] == true)
                    #expect(rest.isEmpty)
                }
                plan = rest
                info = step.info
            }
            #expect(info["won"] == true)
            #expect(steps > 0)
            _ = result
            result = try await session.reset(seed: nil, options: .null)
        }
    }

    @Test func newGrammarHasHelpAndMove() async throws {
        let session = try await driver.make("alfworld-v0", config: ["grammar": "new", "split": "eval_out"], seed: 1)
        let first = try await session.reset(seed: 9, options: ["game": 3])
        let commands = first.info["admissible_commands"]?.arrayValue ?? []
        #expect(commands.contains("help"))
        #expect(first.info["extra.gamefile"]?.stringValue?.hasPrefix("json_2.1.3/valid_unseen/") == true)
        let help = try await session.step("help")
        #expect(help.observation.stringValue?.hasPrefix("Available commands:\n  look:") == true)
    }

    /// A seed fixes the game and the whole episode; reset options pick games across splits.
    @Test func seedsAndOptionsPickGames() async throws {
        let a = try await driver.make("alfworld-v0", config: .null, seed: 1)
        let b = try await driver.make("alfworld-v0", config: .null, seed: 2)
        let x = try await a.reset(seed: 42, options: .null)
        let y = try await b.reset(seed: 42, options: .null)
        #expect(x == y)
        let z = try await b.reset(seed: 43, options: .null)
        #expect(z.observation != x.observation)
        let picked = try await a.reset(seed: nil, options: ["split": "eval_out", "game": 7])
        let direct = try Split.evalOut.game(7)
        #expect(picked.observation.stringValue == direct.intro)
        let explicit = try await a.reset(seed: nil, options: ["game_description": Fixtures.gameJSON("bedroom.json")])
        #expect(
            explicit.info["extra.gamefile"]?.stringValue?.contains(
                "/custom/look_at_obj_in_light-AlarmClock-None-DeskLamp-305/") == true)
    }

    @Test func taskTypesFilterDrawnGames() async throws {
        let session = try await driver.make(
            "alfworld-v0", config: ["task_types": ["pick_heat_then_place_in_recep"], "expert": "none"], seed: 1)
        for seed in 0..<10 as Range<UInt64> {
            let first = try await session.reset(seed: seed, options: .null)
            #expect(first.info["task_type"] == "pick_heat_then_place_in_recep")
        }
    }

    @Test(arguments: [
        (#"{"grammar": "middle"}"#, "grammar"),
        (#"{"split": "test"}"#, "split"),
        (#"{"game": 134, "split": "eval_out"}"#, "game"),
        (#"{"task_types": []}"#, "task_types"),
        (#"{"expert": "oracle"}"#, "expert"),
        (#"{"colour": "blue"}"#, "colour"),
    ])
    func badConfigsNameTheField(config: String, field: String) async throws {
        do {
            _ = try await driver.make("alfworld-v0", config: JSONValue.parse(config), seed: 1)
            Issue.record("accepted \(config)")
        } catch {
            #expect(error.troupeCode == .badConfig)
            #expect(error.troupeMessage.contains(field), "\(error.troupeMessage)")
        }
    }

    @Test(arguments: [#"{"game": -1}"#, #"{"split": "dev"}"#, #"{"level": 3}"#, #"[1]"#])
    func badOptionsAreRejected(options: String) async throws {
        let session = try await driver.make("alfworld-v0", config: .null, seed: 1)
        await #expect(throws: EnvError.self) { _ = try await session.reset(seed: 1, options: JSONValue.parse(options)) }
    }

    /// Snapshots carry the expert too: a restored session publishes the same expert plans.
    @Test(arguments: ["handcoded", "planner", "none"])
    func snapshotsContinueWithTheExpert(expert: String) async throws {
        let config: JSONValue = ["expert": .string(expert), "split": "eval_out"]
        let original = try await driver.make("alfworld-v0", config: config, seed: 1)
        let first = try await original.reset(seed: 11, options: .null)
        var rng = SeededRNG(seed: 3)
        var info = first.info
        for _ in 0..<6 { info = try await original.step(ALFWorldEnv.sampleAction(info: info, rng: &rng)).info }
        let snapshot = try await original.snapshot()
        var actions: [JSONValue] = []
        var expected: [StepResult] = []
        for _ in 0..<15 {
            let action = ALFWorldEnv.sampleAction(info: info, rng: &rng)
            let result = try await original.step(action)
            actions.append(action)
            expected.append(result)
            info = result.info
            if result.done { break }
        }
        let copy = try await driver.make("alfworld-v0", config: config, seed: 99)
        try await copy.restore(snapshot)
        for (action, result) in zip(actions, expected) {
            #expect(try await copy.step(action) == result)
        }
        // A snapshot's JSON survives serialization.
        let text = snapshot.serialized()
        try await copy.restore(JSONValue.parse(text))
    }

    @Test func corruptSnapshotsAreRejected() async throws {
        let session = try await driver.make("alfworld-v0", config: .null, seed: 1)
        _ = try await session.reset(seed: 1, options: .null)
        let snapshot = try await session.snapshot()
        // OrderEnforcing's envelope, then TimeLimit's, then ours.
        guard case .object(var outer) = snapshot, case .object(var limit)? = outer["state"],
            case .object(var inner)? = limit["inner"], case .object(var episode)? = inner["episode"]
        else {
            Issue.record("unexpected snapshot shape: \(snapshot)")
            return
        }
        episode["parent"] = [1, 2]
        inner["episode"] = .object(episode)
        limit["inner"] = .object(inner)
        outer["state"] = .object(limit)
        await #expect(throws: EnvError.self) { try await session.restore(.object(outer)) }
    }
}
