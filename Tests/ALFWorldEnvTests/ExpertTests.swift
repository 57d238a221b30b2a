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
}
