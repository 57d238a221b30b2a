import Testing
import TroupeCore

@testable import ALFWorldEnv

/// Both experts on the 134-game out-of-distribution set: the planner must win every game; the
/// handcoded expert's numbers (printed, and quoted in docs/envs/alfworld.md) must stay sane.
@Suite struct ExpertTests {
    @Test func plannerWinsEveryEvalOutGame() throws {
        let evaluation = try ExpertEvaluation.run(.planner, on: .evalOut)
        print("planner on eval_out (50-step limit):\n\(evaluation.table())")
        #expect(evaluation.total.games == 134)
        #expect(evaluation.total.won == 134)
    }

    @Test(arguments: [50, 200])
    func handcodedExpertOnEvalOut(stepLimit: Int) throws {
        let evaluation = try ExpertEvaluation.run(.handcoded, on: .evalOut, stepLimit: stepLimit)
        print("handcoded expert on eval_out (\(stepLimit)-step limit):\n\(evaluation.table())")
        #expect(evaluation.total.games == 134)
        #expect(evaluation.total.successRate > 0.8)
    }

    @Test func printSample() throws {
        let game = try Split.evalOut.game(0)
        print(game.intro)
        let plan = Planner(game: game).plan(from: game.initial)!
        var state = game.initial
        for action in plan {
            let text = game.text(of: action, grammar: .old)
            print("> \(text)\n\(game.apply(action, to: &state, grammar: .old))")
        }
        var episode = Episode(game: game, reference: .split(.evalOut, 0), config: .init(), rng: SeededRNG(seed: 1))
        for _ in 0..<50 {
            guard let command = episode.expertPlan.first else { break }
            print("H> \(command)\n\(episode.step(command))")
            if episode.won { break }
        }
    }
}
