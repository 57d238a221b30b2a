import Testing
import TroupeCore

@testable import ToolsEnv

/// BFCL's AST checker and STE's metric, edge case by edge case, and the evaluation set.
@Suite struct ScoringTests {
    static let doc = FunctionDoc(
        name: "f",
        properties: [
            "city": ("string", nil), "days": ("integer", nil), "ratio": ("float", nil), "tags": ("array", "string"),
            "flag": ("boolean", nil),
        ],
        required: ["city"])

    static func gold(_ parameters: OrderedDictionary<String, [JSONValue]>) -> GoldCall {
        GoldCall(function: "f", parameters: parameters)
    }

    func check(_ arguments: JSONObject, _ gold: GoldCall, name: String = "f") -> ASTChecker.Result {
        ASTChecker.simple(doc: ScoringTests.doc, output: ModelCall(name: name, arguments: arguments), gold: gold)
    }

    @Test func optionalParameters() {
        let gold = ScoringTests.gold(["city": ["Paris"], "days": ["", 3]])
        #expect(check(["city": "Paris"], gold).valid)
        #expect(check(["city": "Paris", "days": 3], gold).valid)
        #expect(check(["city": "Paris", "days": 4], gold).errorType == "value_error:others")
        let required = ScoringTests.gold(["city": ["Paris"], "days": [3]])
        #expect(check(["city": "Paris"], required).errorType == "simple_function_checker:missing_optional")
        #expect(check(["days": 3], required).errorType == "simple_function_checker:missing_required")
        #expect(
            check(["city": "Paris", "flag": true], required).errorType == "simple_function_checker:unexpected_param")
        #expect(check(["city": "Paris", "nope": 1], required).errorType == "simple_function_checker:unexpected_param")
        #expect(check(["city": "Paris"], required, name: "g").errorType == "simple_function_checker:wrong_func_name")
    }

    @Test func typeCoercion() {
        // An int is promoted where a float is expected.
        #expect(check(["city": "Paris", "ratio": 2], ScoringTests.gold(["city": ["Paris"], "ratio": [2.0]])).valid)
        // A numeric string is not an integer for BFCL…
        let gold = ScoringTests.gold(["city": ["Paris"], "days": [5]])
        #expect(check(["city": "Paris", "days": "5"], gold).errorType == "type_error:simple")
        // …but STE's string rule accepts it, since it compares str(value).
        #expect(STEMetric.stringMatch(["city": "paris ", "days": "5"], gold))
        #expect(!STEMetric.stringMatch(["city": "Paris", "days": 5.0], gold))  // str(5.0) == "5.0"
        // A float where the schema says integer passes as a "variable" when the gold is a float.
        #expect(check(["city": "Paris", "days": 2.5], ScoringTests.gold(["city": ["Paris"], "days": [2.5]])).valid)
        // Python equality: 1 == 1.0.
        #expect(check(["city": "Paris", "ratio": 1.0], ScoringTests.gold(["city": ["Paris"], "ratio": [1]])).valid)
        #expect(
            check(["city": "Paris", "flag": "true"], ScoringTests.gold(["city": ["Paris"], "flag": [true]])).errorType
                == "type_error:simple")
    }

    @Test func stringAndListNormalization() {
        let gold = ScoringTests.gold(["city": ["New York", "New York, United States"]])
        for spelling in ["new york", "New-York", "NEW_YORK", "New York, United States", "new.york"] {
            #expect(check(["city": .string(spelling)], gold).valid, "\(spelling)")
        }
        #expect(check(["city": "Newark"], gold).errorType == "value_error:string")
        #expect(ASTChecker.standardize("It's April 1, 2024") == "it\"sapril12024")
        let list = ScoringTests.gold(["city": ["Paris"], "tags": [["Big City", "river"]]])
        #expect(check(["city": "Paris", "tags": ["big city", "River"]], list).valid)
        #expect(check(["city": "Paris", "tags": ["river", "big city"]], list).errorType == "value_error:list/tuple")
        #expect(check(["city": "Paris", "tags": [1, 2]], list).errorType == "type_error:nested")
        #expect(check(["city": "Paris", "tags": "river"], list).errorType == "type_error:simple")
    }

    @Test func parallelCallsMatchInAnyOrder() {
        let golds = [ScoringTests.gold(["city": ["Paris"]]), ScoringTests.gold(["city": ["Rome"]])]
        let a = ModelCall(name: "f", arguments: ["city": "Rome"])
        let b = ModelCall(name: "f", arguments: ["city": "Paris"])
        #expect(ASTChecker.check(docs: [ScoringTests.doc], output: [a, b], gold: golds, category: .parallel).valid)
        #expect(
            ASTChecker.check(docs: [ScoringTests.doc], output: [b, b], gold: golds, category: .parallel).errorType
                == "parallel_function_checker_no_order:cannot_find_match")
        #expect(
            ASTChecker.check(docs: [ScoringTests.doc], output: [a], gold: golds, category: .parallel).errorType
                == "parallel_function_checker_no_order:wrong_count")
        #expect(
            ASTChecker.check(docs: [ScoringTests.doc], output: [a, b], gold: [golds[0]], category: .simple).errorType
                == "simple_function_checker:wrong_count")
    }

    @Test func dictionaries() {
        let doc = FunctionDoc(name: "f", properties: ["d": ("dict", nil)], required: ["d"])
        let gold = GoldCall(function: "f", parameters: ["d": [["a": [1], "b": ["", "x"]]]])
        func run(_ value: JSONValue) -> ASTChecker.Result {
            ASTChecker.simple(doc: doc, output: ModelCall(name: "f", arguments: ["d": value]), gold: gold)
        }
        #expect(run(["a": 1]).valid)
        #expect(run(["a": 1, "b": "X"]).valid)
        #expect(run(["a": 1, "c": 2]).errorType == "value_error:dict_key")
        #expect(run(["b": "x"]).errorType == "value_error:dict_key")
        #expect(run(["a": 2]).errorType == "value_error:dict_value")
    }

    @Test func steMetricCountsLikeSTE() {
        let gold = [ScoringTests.gold(["city": ["Paris"]])]
        let good = STEMetric.score(
            .calls([FunctionCall(name: "f", arguments: .success(["city": "paris"]))]), gold: gold,
            docs: [ScoringTests.doc])
        let wrongArgs = STEMetric.score(
            .calls([FunctionCall(name: "f", arguments: .success(["city": "Rome"]))]), gold: gold,
            docs: [ScoringTests.doc])
        let wrongAPI = STEMetric.score(
            .calls([FunctionCall(name: "g", arguments: .success([:]))]), gold: gold, docs: [ScoringTests.doc])
        let broken = STEMetric.score(
            .calls([FunctionCall(name: "f", arguments: .failure(ArgumentsProblem("x")))]), gold: gold,
            docs: [ScoringTests.doc])
        let answer = STEMetric.score(.finish(.giveAnswer, answer: "Paris"), gold: gold, docs: [ScoringTests.doc])
        let malformed = STEMetric.score(.malformed("?"), gold: gold, docs: [ScoringTests.doc])
        #expect(good.correct && good.apiMatch && good.wellFormed)
        #expect(wrongArgs.wellFormed && wrongArgs.apiMatch && !wrongArgs.correct)
        #expect(wrongAPI.wellFormed && !wrongAPI.apiMatch)
        #expect(!broken.wellFormed)
        #expect(answer.noCall && !answer.wellFormed)
        var report = STEMetric.Report()
        for outcome in [good, wrongArgs, wrongAPI, broken, answer, malformed] { report.add(outcome) }
        #expect(report.total == 6)
        #expect(report.wellFormedPercent == 50)  // 3 of 6
        #expect(abs(report.apiMatchPercent - 200.0 / 3) < 1e-9)  // 2 of the 3 well-formed
        #expect(abs(report.correctPercent - 100.0 / 6) < 1e-9)  // 1 of 6
    }

    @Test func evalSetCoversEveryAPIWithValidGoldCalls() throws {
        let set = Fixtures.evalSet
        var perAPI: [String: Int] = [:]
        for query in set.queries {
            let gold = try #require(set.answers[query.id])
            #expect(gold.count == (query.testCategory == .parallel ? 2 : 1))
            for call in gold {
                perAPI[call.function, default: 0] += 1
                let function = try #require(Fixtures.catalog.function(named: call.function), "\(query.id)")
                let names = Set(function.parameters.map(\.exposedName))
                #expect(Set(call.parameters.keys).isSubset(of: names), "\(query.id) names unknown parameters")
                for parameter in function.parameters where parameter.required {
                    #expect(
                        !call.isOptional(parameter.exposedName), "\(query.id) must require \(parameter.exposedName)")
                }
                // The first acceptable value of each parameter is a valid call for the simulator.
                var arguments = JSONObject()
                for (key, values) in call.parameters {
                    if let value = values.first(where: { $0 != "" }) { arguments[key] = value }
                }
                let response = Fixtures.call(call.function, arguments)
                #expect(response.status != .inputError, "\(query.id): \(response.error)")
            }
        }
        #expect(Set(perAPI.keys) == Set(Fixtures.catalog.functions.map(\.name)))
        #expect(perAPI.values.min()! >= 15)
    }

    @Test func goldAnswersScoreAsCorrectThroughBothFormats() throws {
        var react = STEMetric.Report()
        var calls = STEMetric.Report()
        for query in Fixtures.evalSet.queries {
            let gold = Fixtures.evalSet.answers[query.id]!
            let rendered = gold.map { call -> (String, JSONValue) in
                var arguments = JSONObject()
                for (key, values) in call.parameters {
                    if let value = values.first(where: { $0 != "" }) { arguments[key] = value }
                }
                return (call.function, .object(arguments))
            }
            if rendered.count == 1 {
                let text = "Thought: ok\nAction: \(rendered[0].0)\nAction Input: \(rendered[0].1.serialized())"
                react.add(try Fixtures.evalSet.score(.string(text), for: query.id, catalog: Fixtures.catalog))
            }
            let toolCalls: JSONValue = [
                "tool_calls": .array(
                    rendered.map { ["function": ["name": .string($0.0), "arguments": .string($0.1.serialized())]] })
            ]
            calls.add(try Fixtures.evalSet.score(toolCalls, for: query.id, catalog: Fixtures.catalog))
        }
        #expect(react.correct == react.total)
        #expect(calls.correct == calls.total)
        #expect(throws: ToolsError.self) { try Fixtures.evalSet.score("x", for: "nope", catalog: Fixtures.catalog) }
    }
}

/// The policy-level API `agent bench` calls.
@Suite struct EvaluateTests {
    @Test func oraclePolicyScoresFullMarksAndAFixedGuessDoesNot() async throws {
        let set = Fixtures.evalSet
        let ids = set.queries.filter { $0.functions.contains("convert_for_currency_exchange") }.map(\.id)
        let oracle = try await set.evaluate(catalog: Fixtures.catalog, ids: ids) { query, functions in
            let gold = set.answers[query.id]![0]
            #expect(functions.function(named: gold.function) != nil)
            var arguments = JSONObject()
            for (key, values) in gold.parameters {
                if let value = values.first(where: { $0 != "" }) { arguments[key] = value }
            }
            return ["name": .string(gold.function), "arguments": .object(arguments)]
        }
        #expect(oracle.total == ids.count && oracle.correctPercent == 100)
        let guess = try await set.evaluate(catalog: Fixtures.catalog, ids: ids) { _, _ in
            "Action: convert_for_currency_exchange\nAction Input: {\"is_from\": \"USD\", \"to\": \"EUR\", \"amount\": 100}"
        }
        #expect(guess.wellFormedPercent == 100 && guess.apiMatchPercent == 100)
        #expect(guess.correctPercent < 20)
        await #expect(throws: ToolsError.self) {
            _ = try await set.evaluate(catalog: Fixtures.catalog, ids: ["nope"]) { _, _ in "x" }
        }
    }
}
