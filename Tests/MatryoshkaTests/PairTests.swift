import Testing
import TroupeCore
import TroupeLM

@testable import Matryoshka

@Suite struct PairTests {
    static func samples(_ outcomes: [Int: [Bool]]) -> [LabeledGuidance] {
        outcomes.flatMap { game, wins in
            wins.enumerated().map { LabeledGuidance(game: game, sample: $0, guidance: "g\(game)s\($0)", won: $1) }
        }
    }

    @Test func pairsPerGameAreMinOfWinsAndLossesAndZipWinsWithLosses() {
        let samples = PairTests.samples([
            1: [true, false, false, false],  // 1 pair
            2: [true, true, true, false],  // 1 pair
            3: [true, true, false, false],  // 2 pairs
            4: [true, true, true, true],  // only wins: none
            5: [false, false, false, false],  // only losses: none
        ])
        let pairs = PairBuilder.pairs(samples, seed: 7)
        #expect(Dictionary(grouping: pairs, by: \.game).mapValues(\.count) == [1: 1, 2: 1, 3: 2])
        let won = Set(samples.filter(\.won).map(\.guidance))
        for pair in pairs {
            #expect(won.contains(pair.chosen))
            #expect(!won.contains(pair.rejected))
        }
        // Each sample is used at most once.
        let used = pairs.flatMap { [$0.chosen, $0.rejected] }
        #expect(Set(used).count == used.count)
    }

    @Test func pairsAreASeededFunctionOfTheSamples() {
        let samples = PairTests.samples([1: [true, true, true, false, false], 2: [false, true, false, true]])
        #expect(PairBuilder.pairs(samples, seed: 3) == PairBuilder.pairs(samples.reversed(), seed: 3))
        let seeds = (0..<20).map { PairBuilder.pairs(samples, seed: UInt64($0)).map(\.chosen) }
        #expect(Set(seeds).count > 1, "the seed draws which wins are paired")
    }

    @Test func identicalTextsMakeNoPair() {
        let samples = [
            LabeledGuidance(game: 1, sample: 0, guidance: "same", won: true),
            LabeledGuidance(game: 1, sample: 1, guidance: "same", won: false),
        ]
        #expect(PairBuilder.pairs(samples, seed: 1).isEmpty)
    }

    @Test func linesFollowTRLAndOpenRLHF() {
        let pair = GuidancePair(game: 4, chosen: "good", rejected: "bad")
        let prompt = [ChatMessage(role: "system", content: "s"), ChatMessage(role: "user", content: "u")]
        let trl = PairBuilder.trlLine(pair, prompt: prompt)
        #expect(trl["prompt"]?.arrayValue?.count == 2)
        #expect(trl["chosen"]?.arrayValue?.first?["role"]?.stringValue == "assistant")
        #expect(trl["chosen"]?.arrayValue?.first?["content"]?.stringValue == "good")
        #expect(trl["rejected"]?.arrayValue?.first?["content"]?.stringValue == "bad")
        let open = PairBuilder.openRLHFLine(pair, prompt: prompt)
        #expect(open["chosen"]?.arrayValue?.count == 3)
        #expect(open["rejected"]?.arrayValue?.last?["content"]?.stringValue == "bad")
    }
}
