import TroupeCore

/// STE's single-turn tool-use metric (`STE/evaluation.ipynb`, microsoft/simulated-trial-and-error):
/// the agent's first turn on a query is
/// - *well-formed* when it is a call whose arguments parse (a final answer without a call is
///   `no_call`, neither well-formed nor malformed);
/// - an *API match* when it calls the gold function(s);
/// - *correct* when it matches and its arguments are right.
///
/// Reported as STE does: well-formed % over all queries, API match % over well-formed ones,
/// correct % over all queries. STE judged arguments by case-insensitive string equality for 31
/// APIs and with a GPT-3.5 judge for the rest; here arguments are judged without a model, by
/// BFCL's AST checker against the gold possible answers (`.ast`, the default) or by STE's string
/// rule (`.stringMatch`: every gold key present with `str(v).strip().lower()` equal to one of its
/// acceptable values, extra keys allowed).
public enum STEMetric {
    public enum ArgumentRule: String, Sendable, Codable, CaseIterable {
        case ast
        case stringMatch = "string_match"
    }

    /// The verdict on one turn.
    public struct Outcome: Sendable, Equatable {
        public var wellFormed = false
        public var noCall = false
        public var apiMatch = false
        public var correct = false
        /// BFCL's verdict on the arguments when the API matched (also under `.stringMatch`).
        public var ast: ASTChecker.Result?

        public var json: JSONValue {
            [
                "well_formed": .bool(wellFormed), "no_call": .bool(noCall), "api_match": .bool(apiMatch),
                "correct": .bool(correct), "ast": ast?.json ?? .null,
            ]
        }
    }

    /// Scores one turn. `action` must have its function names resolved to catalog names already
    /// (see `ToolsEnvironment.resolve`); `docs` describe the gold functions.
    public static func score(
        _ action: AgentAction, gold: [GoldCall], docs: [FunctionDoc], rule: ArgumentRule = .ast
    ) -> Outcome {
        var outcome = Outcome()
        switch action {
        case .malformed: return outcome
        case .finish: outcome.noCall = true
        case .calls(let calls):
            var parsed: [ModelCall] = []
            for call in calls {
                guard case .success(let arguments) = call.arguments else { return outcome }
                parsed.append(ModelCall(name: call.name, arguments: arguments))
            }
            outcome.wellFormed = true
            outcome.apiMatch = parsed.map(\.name).sorted() == gold.map(\.function).sorted()
            guard outcome.apiMatch else { return outcome }
            let ast = ASTChecker.check(
                docs: docs, output: parsed, gold: gold, category: gold.count > 1 ? .parallel : .simple)
            outcome.ast = ast
            switch rule {
            case .ast: outcome.correct = ast.valid
            case .stringMatch:
                outcome.correct = gold.allSatisfy { expected in
                    parsed.contains { $0.name == expected.function && stringMatch($0.arguments, expected) }
                }
            }
        }
        return outcome
    }

    /// STE's argument rule, extended to lists of acceptable values and `""` for optional ones.
    public static func stringMatch(_ arguments: JSONObject, _ gold: GoldCall) -> Bool {
        gold.parameters.allSatisfy { key, options in
            guard let value = arguments[key] else { return options.contains("") }
            let given = normalized(value)
            return options.contains { $0 != "" && normalized($0) == given }
        }
    }

    static func normalized(_ value: JSONValue) -> String {
        Python.str(value).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// Counts over many turns, with STE's three percentages.
    public struct Report: Sendable, Equatable, Codable {
        public var total = 0
        public var wellFormed = 0
        public var noCall = 0
        public var apiMatch = 0
        public var correct = 0

        public init() {}

        public mutating func add(_ outcome: Outcome) {
            total += 1
            if outcome.wellFormed { wellFormed += 1 }
            if outcome.noCall { noCall += 1 }
            if outcome.apiMatch { apiMatch += 1 }
            if outcome.correct { correct += 1 }
        }

        /// Well-formed turns over all turns, in percent.
        public var wellFormedPercent: Double { percent(wellFormed, total) }
        /// API matches over well-formed turns, in percent.
        public var apiMatchPercent: Double { percent(apiMatch, wellFormed) }
        /// Correct turns over all turns, in percent: STE's headline number.
        public var correctPercent: Double { percent(correct, total) }

        private func percent(_ part: Int, _ whole: Int) -> Double {
            whole == 0 ? 0 : Double(part) * 100 / Double(whole)
        }

        enum CodingKeys: String, CodingKey {
            case total
            case wellFormed = "well_formed"
            case noCall = "no_call"
            case apiMatch = "api_match"
            case correct
        }
    }
}
