import Testing
import TroupeCore

@testable import MatryoshkaEnv

@Suite struct EnvironmentTests {
    @Test func resetShowsTheTaskAsALFWorldPrintsIt() async throws {
        let env = try await makeSession(["walkthrough": true])
        let first = try await env.reset(seed: 3, options: ["game_description": heatGame(appleIn: "countertop 1")])
        let text = try #require(first.observation.stringValue)
        #expect(text.hasPrefix("-= Welcome to TextWorld, ALFRED! =-\n\nYou are in the middle of a room."))
        #expect(text.hasSuffix("\n\nYour task is to: put a hot apple in fridge."))
        #expect(first.info["task_type"] == "pick_heat_then_place_in_recep")
        #expect(first.info["tries"] == 0)
        #expect(first.info["max_tries"] == 1)
        let walkthrough = try #require(first.info["extra.walkthrough"]?.arrayValue)
        #expect(walkthrough.first == "go to countertop 1")
    }

    @Test func aWinIsRewardedAndTheFeedbackSaysSo() async throws {
        let env = try await makeSession(["black_box": perfectBlackBox, "walkthrough": true])
        let first = try await env.reset(seed: 3, options: ["game_description": heatGame(appleIn: "countertop 1")])
        let plan = first.info["extra.walkthrough"]!.arrayValue!.compactMap(\.stringValue)
        let step = try await env.step(.string(GuidanceWriter.walkthrough(plan)))
        #expect(step.reward == 1)
        #expect(step.terminated)
        #expect(step.info["won"] == true)
        #expect(step.info["end"] == "won")
        #expect(step.info["black_box_steps"] == .number(plan.count))
        let feedback = try #require(step.observation.stringValue)
        #expect(
            feedback == "Outcome: success. The black box completed the task in \(plan.count) commands (try 1 of 1).")
        let trajectory = try #require(step.info["trajectory"]?.arrayValue)
        #expect(trajectory.compactMap { $0.arrayValue?.first?.stringValue } == plan)
    }

    @Test func aFailureTellsTheStepReachedAndTheLastCommands() async throws {
        // The plan sends the black box to heat the apple with the fridge: it cannot, and the
        // feedback says where the plan stopped.
        let guidance = """
            # General Plan: find the apple, heat it, put it in the fridge.
            # [Step 1] Go to countertop 1 and take the apple.
            # [Step 2] Cool the apple with the fridge.
            # [Step 3] Put the apple in the fridge.
            """
        let env = try await makeSession(["black_box": perfectBlackBox, "feedback_observations": 2])
        _ = try await env.reset(seed: 3, options: ["game_description": heatGame(appleIn: "countertop 1")])
        let step = try await env.step(.string(guidance))
        #expect(step.reward == 0)
        #expect(step.terminated)
        #expect(step.info["won"] == false)
        let feedback = try #require(step.observation.stringValue)
        let lines = feedback.components(separatedBy: "\n")
        #expect(lines[0].hasPrefix("Outcome: failure (try 1 of 1). The black box"))
        #expect(feedback.contains("Its last 2 commands and what it saw:\n> "))
        // It cooled and put the apple (steps 1 to 3 carried out), but the apple is not hot.
        #expect(lines[1] == "It carried out every step of your plan, but the task is not complete.")
        #expect(step.info["guidance_steps"] == 3)
    }

    @Test func closedLoopAllowsRevisedGuidance() async throws {
        let env = try await makeSession(["black_box": perfectBlackBox, "max_tries": 3, "walkthrough": true])
        let first = try await env.reset(seed: 3, options: ["game_description": heatGame(appleIn: "microwave 1")])
        let wrong =
            "# General Plan: put it away.\n# [Step 1] Take the apple.\n# [Step 2] Cool it with the fridge.\n# [Step 3] Put it in the fridge."
        let one = try await env.step(.string(wrong))
        #expect(one.reward == 0 && !one.terminated && !one.truncated)
        #expect(one.info["tries"] == 1)
        #expect(one.observation.stringValue!.hasPrefix("Outcome: failure (try 1 of 3)."))
        // The second try starts the game again from the start.
        let plan = first.info["extra.walkthrough"]!.arrayValue!.compactMap(\.stringValue)
        let two = try await env.step(.string(GuidanceWriter.walkthrough(plan)))
        #expect(two.reward == 1 && two.terminated)
        #expect(two.info["tries"] == 2)
        #expect(two.info["trajectory"]?.arrayValue?.count == plan.count)
        await #expect(throws: EnvError.episodeEnded) { _ = try await env.step("again") }
    }

    @Test func triesEndTheEpisode() async throws {
        let env = try await makeSession(["max_tries": 2])
        _ = try await env.reset(seed: 1, options: ["game_description": heatGame(appleIn: "diningtable 1")])
        let one = try await env.step("Cool the apple.")
        #expect(!one.terminated)
        let two = try await env.step("Cool the apple.")
        #expect(two.terminated && two.reward == 0)
        #expect(two.observation.stringValue!.hasPrefix("Outcome: failure (try 2 of 2)."))
    }

    @Test func aStuckBlackBoxEndsTheTry() async throws {
        // Told to use a lamp that is not there, the black box has nothing left to do: it looks
        // around until the repetition rule ends the try.
        let env = try await makeSession(["black_box": perfectBlackBox, "stop_on_repeat": 3])
        _ = try await env.reset(seed: 1, options: ["game_description": heatGame(appleIn: "countertop 1")])
        let step = try await env.step(
            "# [Step 1] Take the apple from countertop 1.\n# [Step 2] Heat the apple with microwave 1.\n# [Step 3] Put the apple in/on diningtable 1."
        )
        #expect(step.info["end"] == "stuck")
        let trajectory = try #require(step.info["trajectory"]?.arrayValue)
        #expect(trajectory.suffix(3).allSatisfy { $0 == trajectory.last })
        #expect(step.observation.stringValue!.contains("got stuck repeating one command"))
    }

    @Test(arguments: [
        (#"{"max_tries": 0}"#, "`max_tries` must be from 1 to 32"),
        (#"{"alfworld": {"expert": "planner"}}"#, "`alfworld.expert` is set by the environment"),
        (#"{"alfworld": {"split": "nowhere"}}"#, "`alfworld`:"),
        (#"{"black_box": {"backend": {"kind": "sim", "family": "nope"}}}"#, "`black_box`:"),
        (#"{"history_turns": 0}"#, "`history_turns` must be at least 1"),
        (#"{"black_box": "sim"}"#, "`black_box` must be a JSON object"),
        (#"{"maxtries": 2}"#, "unknown field `maxtries`"),
    ])
    func badConfigurationsNameTheField(configText: String, message: String) async throws {
        let config = try JSONValue.parse(configText)
        do {
            _ = try await makeSession(config)
            Issue.record("no error for \(config)")
        } catch let error as EnvError {
            #expect(error.code == .badConfig)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func snapshotRestartsTheSameGame() async throws {
        let a = try await makeSession(["max_tries": 2])
        _ = try await a.reset(seed: 5, options: ["split": "eval_out", "game": 7])
        let state = try await a.snapshot()
        let first = try await a.step("Find it and do the task.")
        let b = try await makeSession(["max_tries": 2], seed: 99)
        try await b.restore(state)
        let again = try await b.step("Find it and do the task.")
        #expect(first == again)
    }
}
