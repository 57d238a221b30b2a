import Foundation
import TroupeCore

/// One evaluation query: a user request and, in `EvalSet.answers`, the calls that answer it.
public struct EvalQuery: Sendable, Equatable, Codable {
    public var id: String
    /// The user's request.
    public var question: String
    /// The gold functions' names (what the episode offers, with their tools' other APIs).
    public var functions: [String]
    /// BFCL's category: `simple` (one call) or `parallel` (several, any order).
    public var testCategory: ASTChecker.Category

    enum CodingKeys: String, CodingKey {
        case id, question, functions
        case testCategory = "test_category"
    }
}

/// The evaluation set: queries (`eval/questions.jsonl`) and their gold calls in BFCL's
/// possible-answer format (`eval/possible_answer.jsonl`, `{"id", "ground_truth": [...]}` per line),
/// at least 15 queries per API of the built-in catalog. `envs/tools/scripts/make_eval_set.py`
/// writes both files.
///
/// This is also the scoring API `agent bench` calls: `score(_:for:)` judges a policy's first turn
/// on a query with STE's metric.
public struct EvalSet: Sendable {
    public let queries: [EvalQuery]
    public let answers: [String: [GoldCall]]
    private let positions: [String: Int]

    public init(queries: [EvalQuery], answers: [String: [GoldCall]]) throws {
        var positions: [String: Int] = [:]
        for (index, query) in queries.enumerated() {
            guard positions[query.id] == nil else { throw ToolsError.evalSet("duplicate query id \(query.id)") }
            guard answers[query.id] != nil else { throw ToolsError.evalSet("query \(query.id) has no ground_truth") }
            positions[query.id] = index
        }
        self.queries = queries
        self.answers = answers
        self.positions = positions
    }

    public func query(_ id: String) -> EvalQuery? { positions[id].map { queries[$0] } }

    /// Loads the two JSONL files.
    public static func load(questions: URL, possibleAnswers: URL) throws -> EvalSet {
        let queries = try lines(questions).map { line, value -> EvalQuery in
            do { return try value.decode(EvalQuery.self) } catch let error as DecodingError {
                throw ToolsError.evalSet("\(questions.lastPathComponent) line \(line): \(error.readableDescription)")
            }
        }
        var answers: [String: [GoldCall]] = [:]
        for (line, value) in try lines(possibleAnswers) {
            guard let id = value["id"]?.stringValue, let truth = value["ground_truth"]?.arrayValue else {
                throw ToolsError.evalSet(
                    "\(possibleAnswers.lastPathComponent) line \(line): expected {\"id\", \"ground_truth\": [...]}")
            }
            answers[id] = try truth.map(GoldCall.init(possibleAnswer:))
        }
        return try EvalSet(queries: queries, answers: answers)
    }

    private static func lines(_ url: URL) throws -> [(Int, JSONValue)] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ToolsError.evalSet("cannot read \(url.path): \(error.localizedDescription)")
        }
        let parser = JSONParser()
        return try text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap {
            index, line in
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            do { return (index + 1, try parser.parse(String(line))) } catch {
                throw ToolsError.evalSet("\(url.lastPathComponent) line \(index + 1): \(error)")
            }
        }
    }

    /// The set that ships with Troupe.
    public static func builtin() throws -> EvalSet { try builtinResult.get() }

    private static let builtinResult: Result<EvalSet, any Error> = Result {
        guard let folder = Bundle.module.url(forResource: "eval", withExtension: nil) else {
            throw ToolsError.evalSet("the evaluation set is missing from the ToolsEnv resources")
        }
        return try load(
            questions: folder.appendingPathComponent("questions.jsonl"),
            possibleAnswers: folder.appendingPathComponent("possible_answer.jsonl"))
    }

    /// STE's verdict on a policy's first turn for query `id`: `action` is what the policy sent (ReAct
    /// text or an OpenAI function call, as the environment accepts them). Function names are
    /// resolved as the environment resolves them. Unknown ids throw `ToolsError.evalSet`.
    public func score(
        _ action: JSONValue, for id: String, catalog: ToolCatalog, rule: STEMetric.ArgumentRule = .ast
    ) throws -> STEMetric.Outcome {
        guard let query = query(id), let gold = answers[id] else { throw ToolsError.evalSet("no query with id \(id)") }
        let offered = ToolsEpisodeFunctions.offered(for: query.functions, scope: .tool, catalog: catalog)
        let parsed = ActionParser.parse(action).0
        let docs = gold.compactMap { catalog.function(named: $0.function).map { FunctionDoc(openAI: $0.openAI) } }
        return STEMetric.score(offered.resolve(parsed), gold: gold, docs: docs, rule: rule)
    }
}

extension EvalSet {
    /// Runs a policy's first turn on every query (or on `ids`) and returns STE's report: what
    /// `agent bench` prints for `tools-v0`. The policy sees the query and the functions an
    /// episode would offer (`ToolsEpisodeFunctions.openAI` gives their OpenAI descriptions) and
    /// answers with an action in either format. `progress` is told after each query.
    public func evaluate(
        catalog: ToolCatalog, rule: STEMetric.ArgumentRule = .ast, ids: [String]? = nil,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil,
        policy: (EvalQuery, ToolsEpisodeFunctions) async throws -> JSONValue
    ) async throws -> STEMetric.Report {
        let chosen =
            try ids.map { wanted in
                try wanted.map { id in
                    guard let query = query(id) else { throw ToolsError.evalSet("no query with id \(id)") }
                    return query
                }
            } ?? queries
        var report = STEMetric.Report()
        for (index, query) in chosen.enumerated() {
            let offered = ToolsEpisodeFunctions.offered(for: query.functions, scope: .tool, catalog: catalog)
            let action = try await policy(query, offered)
            report.add(try score(action, for: query.id, catalog: catalog, rule: rule))
            progress?(index + 1, chosen.count)
        }
        return report
    }
}
