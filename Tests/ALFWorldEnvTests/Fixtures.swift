import Foundation
import TroupeCore

@testable import ALFWorldEnv

/// Test fixtures: the hand-written game files and transcripts under `Transcripts/`.
enum Fixtures {
    static let root = Bundle.module.url(forResource: "Transcripts", withExtension: nil)!

    /// A game file from `Transcripts/games/` as JSON, its task optionally replaced.
    static func gameJSON(_ name: String, task: JSONValue? = nil) throws -> JSONValue {
        let text = try String(contentsOf: root.appendingPathComponent("games/\(name)"), encoding: .utf8)
        var value = try JSONValue.parse(text)
        if let task, case .object(var members) = value {
            members["task"] = task
            value = .object(members)
        }
        return value
    }

    /// A game file built into a `Game`, its task optionally replaced.
    static func game(_ name: String, task: JSONValue? = nil) throws -> Game {
        try Game.make(GameDescription.decode(gameJSON(name, task: task)))
    }

    /// The names of every transcript file.
    static func transcriptNames() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return files.filter { $0.hasSuffix(".txt") }.sorted()
    }
}

/// A hand-written transcript: a game, a grammar, the intro, then commands with the exact
/// observation each must produce, and assertions (`= won`, `= admissible [...]`).
///
/// Format: header lines `game: FILE`, `task: JSON`, `grammar: old|new`, a line `---`, the intro,
/// then for each step a line `> COMMAND` followed by its observation lines (an empty line before
/// the next command is a trailing newline, as `help` has). Lines starting with
/// `= ` assert on the step just above: `= won` (reward 1, terminated; every other step must be
/// reward 0, not terminated) and `= admissible JSON-ARRAY`. Lines starting with `#` before `---`
/// are comments.
struct Transcript: CustomStringConvertible {
    struct Step {
        var command: String
        var observation: String
        var won = false
        var admissible: [String]?
    }

    let name: String
    let config: JSONValue
    let intro: String
    let steps: [Step]
    var description: String { name }

    init(named name: String) throws {
        self.name = name
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent(name), encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        while lines.last == "" { lines.removeLast() }
        var header: [String: String] = [:]
        var index = 0
        while lines[index] != "---" {
            let line = lines[index]
            index += 1
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            header[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        index += 1
        let task = try header["task"].map { try JSONValue.parse($0) }
        config = [
            "grammar": .string(header["grammar"] ?? "old"),
            "game_description": try Fixtures.gameJSON(header["game"]!, task: task),
        ]

        var steps: [Step] = []
        var block: [String] = []
        var intro: String?
        func flush() {
            let observation = block.joined(separator: "\n")
            if intro == nil { intro = observation } else { steps[steps.count - 1].observation = observation }
            block = []
        }
        for line in lines[index...] {
            if line.hasPrefix(">") {
                flush()
                let command = line.dropFirst()
                steps.append(
                    Step(command: String(command.hasPrefix(" ") ? command.dropFirst() : command), observation: ""))
            } else if line == "= won" {
                steps[steps.count - 1].won = true
            } else if line.hasPrefix("= admissible ") {
                let list = try JSONValue.parse(String(line.dropFirst("= admissible ".count)))
                steps[steps.count - 1].admissible = list.arrayValue?.compactMap(\.stringValue)
            } else {
                block.append(line)
            }
        }
        flush()
        self.intro = intro ?? ""
        self.steps = steps
    }

    /// Replays the transcript on a session made by `driver` and returns the first difference.
    func replay(on driver: any EnvDriver) async throws -> String? {
        let session = try await driver.make("alfworld-v0", config: config, seed: 7)
        let difference = try await play(session)
        try await session.close()
        return difference
    }

    private func play(_ session: any EnvSession) async throws -> String? {
        let first = try await session.reset(seed: 7, options: .null)
        guard first.observation.stringValue == intro else {
            return "intro differs:\n--- expected\n\(intro)\n--- got\n\(first.observation.stringValue ?? "?")"
        }
        for (number, step) in steps.enumerated() {
            let result = try await session.step(.string(step.command))
            let got = result.observation.stringValue ?? "?"
            guard got == step.observation else {
                return "step \(number + 1) `\(step.command)`:\n--- expected\n\(step.observation)\n--- got\n\(got)"
            }
            guard result.terminated == step.won, result.reward == (step.won ? 1 : 0),
                result.info["won"]?.boolValue == step.won
            else {
                return "step \(number + 1) `\(step.command)`: won should be \(step.won), got reward \(result.reward)"
            }
            if let admissible = step.admissible {
                let got = result.info["admissible_commands"]?.arrayValue?.compactMap(\.stringValue) ?? []
                guard got == admissible else {
                    return
                        "step \(number + 1) `\(step.command)`: admissible commands\n  expected \(admissible)\n  got      \(got)"
                }
            }
        }
        return nil
    }
}
