import ALFWorldEnv

/// How one try of the black box ended, and the feedback the controller reads about it.
public struct TryOutcome: Sendable, Equatable {
    /// Why the try ended.
    public enum End: String, Sendable {
        /// The task was completed.
        case won
        /// The game's step limit (ALFWorld's 50) was reached.
        case stepLimit = "step_limit"
        /// The black box repeated one command with one result `stop_on_repeat` times.
        case stuck
        /// The black box's context window was full (its history no longer fits).
        case contextFull = "context_full"
    }

    public var end: End
    /// The commands the black box sent and the observations it was shown.
    public var turns: [Turn]
    /// The 1-based try number and the most tries allowed.
    public var attempt: Int
    public var maxTries: Int
    /// The plan step the black box got to (see `StepProgress`), when the guidance had steps.
    public var stepReached: StepProgress.Position?

    public struct Turn: Sendable, Equatable {
        public var command: String
        public var observation: String
    }

    public var won: Bool { end == .won }

    /// The feedback text: the outcome, where in the plan the black box got to, and its last
    /// `lastCommands` commands with what they gave (Matryoshka's error message carries the last
    /// three act/observation pairs).
    public func feedback(lastCommands: Int) -> String {
        let commands = turns.count == 1 ? "1 command" : "\(turns.count) commands"
        if won {
            return "Outcome: success. The black box completed the task in \(commands) (try \(attempt) of \(maxTries))."
        }
        var lines = ["Outcome: failure (try \(attempt) of \(maxTries)). " + endSentence(commands)]
        if let stepReached {
            if stepReached.complete {
                lines.append("It carried out every step of your plan, but the task is not complete.")
            } else {
                lines.append("It got as far as [Step \(stepReached.number)] of your plan: \(stepReached.text)")
            }
        }
        let shown = turns.suffix(lastCommands)
        if !shown.isEmpty {
            lines.append(
                shown.count == 1
                    ? "Its last command and what it saw:" : "Its last \(shown.count) commands and what it saw:")
            for turn in shown { lines.append("> \(turn.command)\n\(turn.observation)") }
        }
        return lines.joined(separator: "\n")
    }

    private func endSentence(_ commands: String) -> String {
        switch end {
        case .won: return ""
        case .stepLimit: return "The black box did not complete the task within the step limit (\(commands))."
        case .stuck: return "The black box got stuck repeating one command after \(commands)."
        case .contextFull: return "The black box's context window filled up after \(commands)."
        }
    }
}

/// Which plan step the black box got to: the first step whose action it never carried out.
///
/// A step is carried out when a command that worked (not `Nothing happens.`) does what the step
/// says on something it names: its strongest verb (put > heat/cool/clean > use > take > open >
/// go/find) and one of its nouns (a receptacle or object type). A step that only searches for an
/// object is carried out when that object was seen. Steps naming nothing the commands could match
/// count as carried out once a later step is.
public enum StepProgress {
    public struct Position: Sendable, Equatable {
        /// The step's number as written, and its text.
        public var number: Int
        public var text: String
        /// Every step was carried out (`number` is then the last step's).
        public var complete: Bool
    }

    static let verbClasses: [(String, [String])] = [
        ("put", ["put", "place", "move", "drop", "store"]),
        ("treat", ["heat", "warm", "cool", "chill", "clean", "wash", "rinse"]),
        ("use", ["use", "turn", "switch", "light"]),
        ("take", ["take", "pick", "grab", "get", "fetch"]),
        ("open", ["open"]),
    ]

    /// Where the black box got to in `guidance` by the `turns` it played; nil for guidance
    /// without steps.
    public static func position(_ guidance: Guidance, turns: [TryOutcome.Turn]) -> Position? {
        guard !guidance.steps.isEmpty else { return nil }
        let worked = turns.filter { !$0.observation.hasPrefix("Nothing happens") }
        var lastDone = -1
        for (index, step) in guidance.steps.enumerated() where isDone(step.text, worked) {
            lastDone = index
        }
        // Steps before the last one carried out count as done: plans are followed in order.
        guard lastDone + 1 < guidance.steps.count else {
            let last = guidance.steps[guidance.steps.count - 1]
            return Position(number: last.number, text: last.text, complete: true)
        }
        let next = guidance.steps[lastDone + 1]
        return Position(number: next.number, text: next.text, complete: false)
    }

    static func isDone(_ step: String, _ worked: [TryOutcome.Turn]) -> Bool {
        let words = GuidanceReading.words(step)
        let nouns = Set(words.flatMap { [$0, GuidanceReading.singular($0)] }).filter {
            TypeCatalog.object($0) != nil || TypeCatalog.receptacle($0) != nil
        }
        guard !nouns.isEmpty else { return false }
        let verb = verbClasses.first { $0.1.contains(where: words.contains) }?.0
        func mentions(_ text: String) -> Bool {
            GuidanceReading.words(text).contains { nouns.contains($0) }
        }
        switch verb {
        case "put":
            return worked.contains {
                ($0.command.hasPrefix("put ") || $0.command.hasPrefix("move ")) && mentions($0.command)
            }
        case "treat":
            return worked.contains {
                ["heat ", "cool ", "clean "].contains(where: $0.command.hasPrefix) && mentions($0.command)
            }
        case "use": return worked.contains { $0.command.hasPrefix("use ") && mentions($0.command) }
        case "take": return worked.contains { $0.command.hasPrefix("take ") && mentions($0.command) }
        case "open": return worked.contains { $0.command.hasPrefix("open ") && mentions($0.command) }
        default:
            // Searching or going: done when a named object was seen, or a named place reached.
            return worked.contains {
                mentions($0.observation) || ($0.command.hasPrefix("go to ") && mentions($0.command))
            }
        }
    }
}
