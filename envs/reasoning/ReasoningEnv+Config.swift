import TroupeCore

extension ReasoningEnv {
    /// The configuration of `reasoning-v0`, validated when decoded.
    public struct Config: Codable, Sendable, Equatable {
        /// When an episode counts as solved.
        public enum Success: String, Codable, Sendable {
            /// The verifier finds no wrong step and the answer is right (TriPosT's "correct").
            case verified
            /// The final answer is right, whatever the steps (TriPosT's accuracy metric).
            case answer
        }

        /// How word problems are answered.
        public enum AnswerFormat: String, Codable, Sendable {
            /// Step by step, read by the scripted verifier.
            case rationale
            /// A PAL program (`def solution(): …`), run by the program runner.
            case program
        }

        /// A family name, or `all` to draw the family of each episode uniformly.
        public var family: String
        public var split: Split
        /// The family's knobs over the split's defaults (only with a single family).
        public var params: JSONValue?
        /// Attempts after the first one; the episode ends after `1 + improvement_turns` attempts.
        public var improvementTurns: Int
        public var success: Success
        /// Feedback quotes the wrong part of the step.
        public var feedbackSegment: Bool
        /// Feedback gives the specific reason, a generic one, or none.
        public var feedbackReason: FeedbackStyle.Reason
        /// Date understanding: options (A)–(F), or a free-form date.
        public var multipleChoice: Bool
        public var answerFormat: AnswerFormat
        /// `none`, or `python3` for the unsandboxed subprocess fallback (trusted code only).
        public var programRunner: String
        /// Seconds a program may run (PAL: 10).
        public var programTimeout: Double

        enum CodingKeys: String, CodingKey {
            case family, split, params, success
            case improvementTurns = "improvement_turns"
            case feedbackSegment = "feedback_segment"
            case feedbackReason = "feedback_reason"
            case multipleChoice = "multiple_choice"
            case answerFormat = "answer_format"
            case programRunner = "program_runner"
            case programTimeout = "program_timeout_s"
        }

        public init(family: String = "all", split: Split = .train) {
            self.family = family
            self.split = split
            params = nil
            improvementTurns = 3
            success = .verified
            feedbackSegment = true
            feedbackReason = .specific
            multipleChoice = true
            answerFormat = .rationale
            programRunner = "none"
            programTimeout = 10
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init()
            family = try c.decodeIfPresent(String.self, forKey: .family) ?? family
            split = try c.decodeIfPresent(Split.self, forKey: .split) ?? split
            params = try c.decodeIfPresent(JSONValue.self, forKey: .params)
            improvementTurns = try c.decodeIfPresent(Int.self, forKey: .improvementTurns) ?? improvementTurns
            success = try c.decodeIfPresent(Success.self, forKey: .success) ?? success
            feedbackSegment = try c.decodeIfPresent(Bool.self, forKey: .feedbackSegment) ?? feedbackSegment
            feedbackReason = try c.decodeIfPresent(FeedbackStyle.Reason.self, forKey: .feedbackReason) ?? feedbackReason
            multipleChoice = try c.decodeIfPresent(Bool.self, forKey: .multipleChoice) ?? multipleChoice
            answerFormat = try c.decodeIfPresent(AnswerFormat.self, forKey: .answerFormat) ?? answerFormat
            programRunner = try c.decodeIfPresent(String.self, forKey: .programRunner) ?? programRunner
            programTimeout = try c.decodeIfPresent(Double.self, forKey: .programTimeout) ?? programTimeout
            let names = ReasoningFamily.allCases.map(\.rawValue) + ["all"]
            guard names.contains(family) else {
                throw EnvError.badConfig("`family` must be one of \(names.joined(separator: ", ")), got \"\(family)\"")
            }
            if let params, !params.isNull {
                guard let single = ReasoningFamily(rawValue: family) else {
                    throw EnvError.badConfig(
                        "`params` needs a single `family`; with \"all\" each family uses its split's defaults")
                }
                try ReasoningTasks.validate(params: params, family: single)
            }
            guard (0...20).contains(improvementTurns) else {
                throw EnvError.badConfig("`improvement_turns` must be between 0 and 20, got \(improvementTurns)")
            }
            guard ["none", "python3"].contains(programRunner) else {
                throw EnvError.badConfig("`program_runner` must be \"none\" or \"python3\", got \"\(programRunner)\"")
            }
            guard programTimeout > 0, programTimeout <= 600 else {
                throw EnvError.badConfig("`program_timeout_s` must be in (0, 600], got \(programTimeout)")
            }
            if answerFormat == .program {
                guard family == ReasoningFamily.wordProblems.rawValue else {
                    throw EnvError.badConfig("`answer_format: \"program\"` is for `family: \"gsm\"` only")
                }
            }
        }

        /// The families episodes draw from.
        var families: [ReasoningFamily] {
            ReasoningFamily(rawValue: family).map { [$0] } ?? ReasoningFamily.allCases
        }

        var feedbackStyle: FeedbackStyle { FeedbackStyle(segment: feedbackSegment, reason: feedbackReason) }
    }

    /// The JSON Schema of the configuration (documentation; `Config` enforces it).
    static let configSchema: JSONValue = [
        "type": "object",
        "properties": [
            "family": [
                "type": "string",
                "enum": .array((ReasoningFamily.allCases.map(\.rawValue) + ["all"]).map { .string($0) }),
                "default": "all",
            ],
            "split": ["type": "string", "enum": ["train", "test_seen", "test_unseen"], "default": "train"],
            "params": [
                "type": "object",
                "description": "the family's knobs over the split's defaults (docs/envs/reasoning.md)",
            ],
            "improvement_turns": ["type": "integer", "minimum": 0, "maximum": 20, "default": 3],
            "success": ["type": "string", "enum": ["verified", "answer"], "default": "verified"],
            "feedback_segment": ["type": "boolean", "default": true],
            "feedback_reason": ["type": "string", "enum": ["specific", "generic", "none"], "default": "specific"],
            "multiple_choice": ["type": "boolean", "default": true],
            "answer_format": ["type": "string", "enum": ["rationale", "program"], "default": "rationale"],
            "program_runner": ["type": "string", "enum": ["none", "python3"], "default": "none"],
            "program_timeout_s": ["type": "number", "default": 10],
        ],
    ]
}
