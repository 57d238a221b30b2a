import ALFWorldEnv
import LLMEnv

/// The chat the black box reads each turn, and how its reply becomes an ALFWorld command.
///
/// The layout (documented in `docs/matryoshka.md`):
/// - **system**: what the world is, every command form (old or new grammar), the rules that
///   trip models up (numbers in names, one object at a time, open before looking inside), and
///   "reply with the command only";
/// - **user**: `Here is your task.`, ALFWorld's intro without its banner (as ReAct shows it),
///   then `Guidance from your planner:` and the guidance verbatim (or `Your planner gave no
///   guidance.`), then `What is your first command?`;
/// - then one **assistant** message per command it gave and one **user** message per
///   observation (`You arrive at loc N. ` stripped, as every ReAct-family harness does), with
///   the admissible commands appended when the configuration asks for them.
///
/// The `sim` black box reads this same text back (`Transcript`), so the markers here are the only
/// contract between them: no hidden state travels with the prompt.
public enum BlackBoxPrompt {
    static let taskHeader = "Here is your task."
    static let guidanceHeader = "Guidance from your planner:"
    static let noGuidance = "Your planner gave no guidance."
    static let firstQuestion = "What is your first command?"
    static let admissibleHeader = "Admissible commands: "
    static let omittedPrefix = "(Your first "

    /// The system message for `grammar`.
    public static func system(grammar: Grammar) -> String {
        let put = grammar == .old ? "put OBJECT in/on RECEPTACLE" : "move OBJECT to RECEPTACLE"
        return """
            You are a household agent in a text world. You solve a task by sending one command per turn; \
            the world answers with what happens.
            Commands (OBJECT and RECEPTACLE are names as the world prints them, with their number, such as \
            apple 1 or countertop 2):
              go to RECEPTACLE
              open RECEPTACLE
              close RECEPTACLE
              take OBJECT from RECEPTACLE
              \(put)
              heat OBJECT with MICROWAVE
              cool OBJECT with FRIDGE
              clean OBJECT with SINKBASIN
              use LAMP
              examine RECEPTACLE
              inventory
              look
            Rules: you carry at most one object; a closed receptacle must be opened before you can see or take \
            what is inside; an object is hot, cool or clean only after you heat, cool or clean it; \
            "Nothing happens." means the command was not possible. Reply with the next command only, \
            exactly as written above, with no other words.
            """
    }

    /// The first user message: the task and the guidance.
    public static func taskMessage(intro: String, guidance: String) -> String {
        let trimmedGuidance = Guidance.trimmed(guidance)
        let guidanceBlock = trimmedGuidance.isEmpty ? noGuidance : guidanceHeader + "\n" + trimmedGuidance
        return taskHeader + "\n" + shownIntro(intro) + "\n\n" + guidanceBlock + "\n\n" + firstQuestion
    }

    /// ALFWorld's intro as ReAct-style harnesses show it: the banner dropped and the blank line
    /// before the task collapsed (`'\n'.join(ob.split('\n\n')[1:])`).
    public static func shownIntro(_ intro: String) -> String {
        let parts = intro.components(separatedBy: "\n\n")
        return parts.count > 1 ? parts.dropFirst().joined(separator: "\n") : intro
    }

    /// An observation as shown to the black box: the old grammar's `You arrive at loc N. ` prefix
    /// removed, as ReAct, Reflexion, AdaPlanner and Matryoshka remove it.
    public static func shownObservation(_ observation: String) -> String {
        guard observation.hasPrefix("You arrive at loc "), let dot = observation.range(of: ". ") else {
            return observation
        }
        return String(observation[dot.upperBound...])
    }

    /// The whole chat for the next turn. `history` holds the commands sent and the observations
    /// shown; `window` keeps only the last that many turns (nil: all); `admissible`, when given,
    /// is appended to the last observation (or to the task message on the first turn).
    public static func messages(
        grammar: Grammar, intro: String, guidance: String, history: [(command: String, observation: String)],
        window: Int?, admissible: [String]?
    ) -> [ChatMessage] {
        var task = taskMessage(intro: intro, guidance: guidance)
        let shown = window.map { Array(history.suffix($0)) } ?? history
        let omitted = history.count - shown.count
        if omitted > 0 {
            task += "\n" + omittedPrefix + "\(omitted) commands and what they gave are not shown.)"
        }
        var messages = [
            ChatMessage(role: "system", content: system(grammar: grammar)), ChatMessage(role: "user", content: task),
        ]
        for turn in shown {
            messages.append(ChatMessage(role: "assistant", content: turn.command))
            messages.append(ChatMessage(role: "user", content: turn.observation))
        }
        if let admissible {
            messages[messages.count - 1].content += "\n\n" + admissibleHeader + admissible.joined(separator: ", ")
        }
        return messages
    }

    /// The command in a reply: its first non-empty line, trimmed, without a leading `>`,
    /// `Action:` or `Command:`, surrounding quotes or backticks, or a final period. The world
    /// matches commands verbatim, so nothing else is changed (capitals and synonyms stay wrong).
    public static func command(from reply: String) -> String {
        let line = reply.split(whereSeparator: \.isNewline).map { Guidance.trimmed(String($0)) }.first { !$0.isEmpty }
        var command = Substring(line ?? "")
        for prefix in [">", "Action:", "action:", "Command:", "command:"] where command.hasPrefix(prefix) {
            command = command.dropFirst(prefix.count).drop { $0 == " " }
        }
        while let first = command.first, let last = command.last, command.count >= 2, first == last,
            ["`", "\"", "'"].contains(first)
        {
            command = command.dropFirst().dropLast()
        }
        if command.hasSuffix("."), !command.hasSuffix("..") { command = command.dropLast() }
        return Guidance.trimmed(String(command))
    }
}

/// The black box's prompt read back: what the `sim` black box knows, and all it knows.
///
/// Built only from the text of the messages (`LLMInput.chat`), by the markers `BlackBoxPrompt`
/// writes. A prompt this cannot read (a raw completion prompt, another layout) yields nil.
public struct Transcript: Sendable, Equatable {
    /// ALFWorld's intro as shown (room line and task line).
    public var intro: String
    /// The guidance text, empty when the planner gave none.
    public var guidance: String
    /// The commands sent so far and the observations they gave (admissible lists removed).
    public var turns: [(command: String, observation: String)]
    /// Turns the prompt left out (a history window); the belief built from `turns` is partial.
    public var omittedTurns: Int
    /// The admissible commands shown with the last observation, if any.
    public var admissible: [String]?
    /// The first user message verbatim: the part of the prompt that is fixed for an episode.
    public var taskMessage: String

    public static func == (a: Transcript, b: Transcript) -> Bool {
        a.intro == b.intro && a.guidance == b.guidance && a.omittedTurns == b.omittedTurns
            && a.admissible == b.admissible && a.turns.map(\.command) == b.turns.map(\.command)
            && a.turns.map(\.observation) == b.turns.map(\.observation)
    }

    public init?(_ input: LLMInput) {
        guard case .chat(let messages) = input,
            let first = messages.firstIndex(where: { $0.role == "user" })
        else { return nil }
        let task = messages[first].content
        guard task.hasPrefix(BlackBoxPrompt.taskHeader + "\n") else { return nil }
        taskMessage = task
        var body = Substring(task.dropFirst(BlackBoxPrompt.taskHeader.count + 1))
        omittedTurns = 0
        if let note = body.range(of: "\n" + BlackBoxPrompt.omittedPrefix, options: .backwards) {
            omittedTurns = Int(body[note.upperBound...].prefix { $0.isNumber }) ?? 0
            body = body[..<note.lowerBound]
        }
        admissible = nil
        if let range = body.range(of: "\n\n" + BlackBoxPrompt.admissibleHeader, options: .backwards) {
            admissible = Transcript.list(body[range.upperBound...])
            body = body[..<range.lowerBound]
        }
        if body.hasSuffix("\n\n" + BlackBoxPrompt.firstQuestion) {
            body = body.dropLast(BlackBoxPrompt.firstQuestion.count + 2)
        }
        if let range = body.range(of: "\n\n" + BlackBoxPrompt.guidanceHeader + "\n") {
            intro = String(body[..<range.lowerBound])
            guidance = String(body[range.upperBound...])
        } else if let range = body.range(of: "\n\n" + BlackBoxPrompt.noGuidance) {
            intro = String(body[..<range.lowerBound])
            guidance = ""
        } else {
            return nil
        }
        turns = []
        var index = first + 1
        while index + 1 < messages.count, messages[index].role == "assistant", messages[index + 1].role == "user" {
            var observation = Substring(messages[index + 1].content)
            if let range = observation.range(of: "\n\n" + BlackBoxPrompt.admissibleHeader, options: .backwards) {
                admissible = Transcript.list(observation[range.upperBound...])
                observation = observation[..<range.lowerBound]
            }
            turns.append((BlackBoxPrompt.command(from: messages[index].content), String(observation)))
            index += 2
        }
    }

    static func list(_ text: Substring) -> [String] {
        text.split(separator: ",").map { Guidance.trimmed(String($0)) }.filter { !$0.isEmpty }
    }
}
