import Testing
import TroupeCatalog
import TroupeCore

@testable import ALFWorldEnv

/// The hand-written transcripts (a few per task type, in both grammars) replay exactly: every
/// observation to the character, the winning step, and the admissible lists they spell out.
///
/// The replay goes through an `EnvDriver`, so the same transcripts can run through `envd` by
/// passing the server's driver instead of `InProcessDriver`.
@Suite struct TranscriptTests {
    @Test func everyTaskTypeHasTranscriptsInBothGrammars() throws {
        var covered: Set<String> = []
        for name in Fixtures.transcriptNames() {
            let transcript = try Transcript(named: name)
            let type = transcript.config["game_description"]?["task"]?["type"]?.stringValue ?? ""
            covered.insert("\(type)/\(transcript.config["grammar"]?.stringValue ?? "")")
        }
        for type in TaskType.allCases {
            for grammar in Grammar.allCases {
                #expect(
                    covered.contains("\(type.rawValue)/\(grammar.rawValue)"), "no \(grammar) transcript for \(type)")
            }
        }
    }

    @Test(arguments: Fixtures.transcriptNames())
    func replaysInProcess(name: String) async throws {
        let transcript = try Transcript(named: name)
        let difference = try await transcript.replay(on: InProcessDriver(registry: builtinEnvironments))
        #expect(difference == nil, "\(name): \(difference ?? "")")
    }
}
