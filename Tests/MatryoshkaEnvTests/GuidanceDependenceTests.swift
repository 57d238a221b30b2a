import ALFWorldEnv
import Foundation
import Testing
import TroupeCore

@testable import MatryoshkaEnv

/// The `sim` black box succeeds more often with better guidance: measured on `eval_out` games at
/// the default competence, one try each, with five kinds of guidance. The numbers in
/// `docs/matryoshka.md` come from `agent bench` on all 134 games; this test plays every third
/// game (45) so that it stays fast, prints the table, and checks the order.
@Suite struct GuidanceDependenceTests {
    enum Kind: String, CaseIterable {
        case none, vague, wrong, generic, walkthrough
    }

    /// Wins per kind of guidance over `games` of eval_out.
    static func measure(games: [Int], competence: Double = 0.8) async throws -> [Kind: (won: Int, steps: Int)] {
        let config: JSONValue = [
            "alfworld": ["split": "eval_out"], "walkthrough": true,
            "black_box": ["backend": ["kind": "sim", "family": "alfworld", "competence": .double(competence)]],
        ]
        let env = try await makeSession(config)
        // Every game's walkthrough and task type, for the wrong guidance (another type's plan).
        var plans: [Int: (type: String, plan: [String])] = [:]
        for game in 0..<Split.evalOut.count {
            let first = try await env.reset(seed: 0, options: ["game": .number(game)])
            plans[game] = (
                first.info["task_type"]!.stringValue!,
                first.info["extra.walkthrough"]!.arrayValue!.compactMap(\.stringValue)
            )
        }
        var results: [Kind: (won: Int, steps: Int)] = [:]
        for kind in Kind.allCases {
            var won = 0
            var steps = 0
            for game in games {
                let first = try await env.reset(seed: 0, options: ["game": .number(game)])
                let intro = first.observation.stringValue!
                let guidance: String
                switch kind {
                case .none: guidance = ""
                case .vague: guidance = GuidanceWriter.vague
                case .generic: guidance = GuidanceWriter.generic(intro: intro)
                case .walkthrough: guidance = GuidanceWriter.walkthrough(plans[game]!.plan)
                case .wrong:
                    let other = (1..<Split.evalOut.count).map { (game + $0 * 7) % Split.evalOut.count }
                        .first { plans[$0]!.type != plans[game]!.type }!
                    guidance = GuidanceWriter.walkthrough(plans[other]!.plan)
                }
                let step = try await env.step(.string(guidance))
                if step.reward > 0 {
                    won += 1
                    steps += Int(step.info["black_box_steps"]!.intValue!)
                }
            }
            results[kind] = (won, steps)
        }
        return results
    }

    @Test func betterGuidanceMakesTheBlackBoxSucceedMoreOften() async throws {
        let games = Array(stride(from: 0, to: Split.evalOut.count, by: 3))
        let results = try await Self.measure(games: games)
        var table = "guidance | won of \(games.count) | mean steps of wins\n"
        for kind in Kind.allCases {
            let r = results[kind]!
            table += "\(kind.rawValue) | \(r.won) | \(r.won == 0 ? 0 : Double(r.steps) / Double(r.won))\n"
        }
        print(table)
        let won = results.mapValues(\.won)
        #expect(won[.walkthrough]! > won[.generic]!)
        #expect(won[.generic]! > won[.none]!)
        #expect(won[.none]! > won[.wrong]!)
        #expect(abs(won[.vague]! - won[.none]!) <= games.count / 10)
        #expect(Double(won[.walkthrough]!) >= 0.85 * Double(games.count))
    }
}
