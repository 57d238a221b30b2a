import Foundation
import Testing
import TroupeCore

@testable import ALFWorldEnv

/// Differential check against ALFWorld itself: `Transcripts/reference/*.jsonl` were recorded by
/// `bench/alfworld/alfworld_peer.py record` on ALFWorld 0.4.2 (TextWorld's PDDL engine with
/// ALFWorld's domain and new grammar), playing random commands (mostly admissible, some not) on
/// the fixture games. Replaying the same commands here must give the same observation, the same
/// admissible list and the same `won` at every step.
@Suite struct ReferenceTests {
    static let recordings = ["kitchen.jsonl", "bedroom.jsonl"]

    @Test(arguments: recordings)
    func matchesALFWorld(recording: String) throws {
        let url = Fixtures.root.appendingPathComponent("reference/\(recording)")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let game = try Fixtures.game(recording.replacingOccurrences(of: ".jsonl", with: ".json"))
        var episode: Episode?
        var checked = 0
        for (number, line) in lines.enumerated() {
            let record = try JSONValue.parse(String(line))
            let expected = record["admissible"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if record["reset"]?.boolValue == true {
                episode = Episode(
                    game: game, reference: .description(game.description), config: .init(grammar: .new, expert: .none),
                    rng: SeededRNG(seed: 1))
                #expect(game.intro == record["observation"]?.stringValue, "line \(number + 1): intro")
            } else {
                let command = record["command"]?.stringValue ?? ""
                let observation = episode!.step(command)
                #expect(observation == record["observation"]?.stringValue, "line \(number + 1): `\(command)`")
                #expect(episode!.won == record["won"]?.boolValue, "line \(number + 1): won after `\(command)`")
            }
            #expect(episode!.admissible.texts == expected, "line \(number + 1): admissible commands")
            checked += 1
        }
        #expect(checked > 100)
    }
}
