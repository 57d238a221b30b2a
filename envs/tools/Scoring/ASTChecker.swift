import TroupeCore

/// BFCL's AST checker for Python-style calls (`bfcl_eval/eval_checker/ast_eval/ast_checker.py` in
/// ShishirPatil/gorilla), re-implemented step for step so that scores agree with BFCL's:
///
/// 1. the function name must match (`wrong_func_name`);
/// 2. every required parameter must be present (`missing_required`);
/// 3. every given parameter must be in the schema and in the gold call (`unexpected_param`);
/// 4. types: string→str, integer→int, float→float (an int is promoted), boolean→bool,
///    array/tuple→list (items checked one level deep), dict→dict, any→str; a value whose type is
///    that of the gold values instead is accepted as a "variable" and compared by value only;
/// 5. values: strings compared after removing ` ,./-_*^`, lowercasing and `'`→`"`; lists element
///    by element with the same normalization (order matters); dicts key by key; everything else
///    with Python's `in` (`1 == 1.0`);
/// 6. every gold parameter the model left out must have `""` among its values (`missing_optional`).
///
/// `parallel` matches each gold call to an unused model call in any order; `multiple` expects one
/// call. Errors carry BFCL's `error_type` strings.
public enum ASTChecker {
    /// BFCL's test categories, as far as scoring goes.
    public enum Category: String, Sendable, Codable {
        case simple, multiple, parallel
        /// `parallel_multiple` scores like `parallel`.
        case parallelMultiple = "parallel_multiple"
    }

    /// BFCL's result dictionary.
    public struct Result: Sendable, Equatable {
        public var valid: Bool
        public var errors: [String]
        public var errorType: String?

        public static let ok = Result(valid: true, errors: [], errorType: nil)

        static func fail(_ type: String, _ error: String) -> Result {
            Result(valid: false, errors: [error], errorType: type)
        }

        /// As JSON for infos and reports.
        public var json: JSONValue {
            [
                "valid": .bool(valid), "error": .array(errors.map { .string($0) }),
                "error_type": errorType.map { .string($0) } ?? .null,
            ]
        }
    }

    /// `ast_checker`: dispatches on the category.
    public static func check(
        docs: [FunctionDoc], output: [ModelCall], gold: [GoldCall], category: Category
    ) -> Result {
        switch category {
        case .parallel, .parallelMultiple: return parallelNoOrder(docs: docs, output: output, gold: gold)
        case .multiple:
            guard output.count == gold.count else {
                return .fail("multiple_function_checker:wrong_count", "Wrong number of functions.")
            }
            guard let expected = gold.first, let doc = docs.first(where: { $0.name == expected.function }) else {
                return .fail("multiple_function_checker:wrong_count", "Wrong number of functions.")
            }
            return simple(doc: doc, output: output[0], gold: expected)
        case .simple:
            guard output.count == 1 else {
                return .fail("simple_function_checker:wrong_count", "Wrong number of functions.")
            }
            guard let expected = gold.first, let doc = docs.first(where: { $0.name == expected.function }) ?? docs.first
            else {
                return .fail("simple_function_checker:wrong_count", "Wrong number of functions.")
            }
            return simple(doc: doc, output: output[0], gold: expected)
        }
    }

    /// `parallel_function_checker_no_order`.
    public static func parallelNoOrder(docs: [FunctionDoc], output: [ModelCall], gold: [GoldCall]) -> Result {
        guard output.count == gold.count else {
            return .fail("parallel_function_checker_no_order:wrong_count", "Wrong number of functions.")
        }
        var matched = Set<Int>()
        for (goldIndex, expected) in gold.enumerated() {
            guard let doc = docs.first(where: { $0.name == expected.function }) else {
                return .fail(
                    "parallel_function_checker_no_order:cannot_find_match", "No description of \(expected.function).")
            }
            var found = false
            for (index, call) in output.enumerated() where !matched.contains(index) {
                if simple(doc: doc, output: call, gold: expected).valid {
                    matched.insert(index)
                    found = true
                    break
                }
            }
            if !found {
                let considered = output.indices.filter { !matched.contains($0) }
                return .fail(
                    "parallel_function_checker_no_order:cannot_find_match",
                    "Could not find a matching function among index \(considered) of model output for index \(goldIndex) of possible answers."
                )
            }
        }
        return .ok
    }

    /// `simple_function_checker` for Python.
    public static func simple(doc: FunctionDoc, output: ModelCall, gold: GoldCall) -> Result {
        guard output.name == doc.name else {
            return .fail(
                "simple_function_checker:wrong_func_name", "Function name '\(doc.name)' not found in model output.")
        }
        let params = output.arguments
        for required in doc.required where params[required] == nil {
            return .fail("simple_function_checker:missing_required", "Missing required parameter: '\(required)'.")
        }
        for (param, original) in params {
            guard let detail = doc.properties[param], let possible = gold.parameters[param] else {
                return .fail("simple_function_checker:unexpected_param", "Unexpected parameter: '\(param)'.")
            }
            var value = original
            let expectedType = typeMapping[detail.type] ?? "str"
            let nestedType = nestedTypes.contains(detail.type) ? detail.items.map { typeMapping[$0] ?? "str" } : nil
            if detail.type == "float", case .int(let i) = value { value = .double(Double(i)) }
            let typeCheck = typeChecker(param, value, possible, detail.type, expectedType, nestedType)
            guard typeCheck.result.valid else { return typeCheck.result }
            if !typeCheck.isVariable {
                if expectedType == "dict" {
                    let r = dictChecker(param, value, possible)
                    if !r.valid { return r }
                    continue
                } else if expectedType == "list", nestedType == "dict" {
                    let r = listDictChecker(param, value, possible)
                    if !r.valid { return r }
                    continue
                } else if expectedType == "str" {
                    let r = stringChecker(param, value, possible)
                    if !r.valid { return r }
                    continue
                } else if expectedType == "list" {
                    let r = listChecker(param, value, possible)
                    if !r.valid { return r }
                    continue
                }
            }
            if !Python.contains(possible, value) {
                return .fail(
                    "value_error:others",
                    "Invalid value for parameter '\(param)': \(Python.str(value)). Expected one of \(possible).")
            }
        }
        for (param, possible) in gold.parameters where params[param] == nil && !possible.contains("") {
            return .fail(
                "simple_function_checker:missing_optional",
                "Optional parameter '\(param)' not provided and not marked as optional.")
        }
        return .ok
    }

    static let typeMapping: [String: String] = [
        "string": "str", "integer": "int", "float": "float", "boolean": "bool", "array": "list", "tuple": "list",
        "dict": "dict", "any": "str",
    ]
    static let nestedTypes: Set<String> = ["array", "tuple"]

    /// The type of the first non-optional gold value (`get_possible_answer_type`).
    static func possibleAnswerType(_ possible: [JSONValue]) -> String? {
        possible.first { $0 != "" }.map(Python.typeName)
    }

    static func typeChecker(
        _ param: String, _ value: JSONValue, _ possible: [JSONValue], _ description: String, _ expected: String,
        _ nested: String?
    ) -> (result: Result, isVariable: Bool) {
        let possibleType = possibleAnswerType(possible)
        let isVariable = possibleType != nil && possibleType != expected
        var nestedFailure: Result?
        if Python.typeName(value) == expected {
            guard let nested else { return (.ok, isVariable) }
            for item in possible {
                var flag = true
                if case .array(let inner) = item, case .array(let values) = value {
                    for element in values
                    where !typeChecker(param, element, inner, nested, nested, nil).result.valid {
                        flag = false
                        break
                    }
                }
                if flag { return (.ok, isVariable) }
            }
            // BFCL records the nested failure and falls through to the variable check, which
            // returns that failure when the value has the gold values' type.
            nestedFailure = .fail(
                "type_error:nested",
                "Nested type checking failed for parameter '\(param)'. Expected outer type \(description) with inner type \(nested). Parameter value: \(Python.str(value))."
            )
        }
        if let possibleType, Python.typeName(value) == possibleType { return (nestedFailure ?? .ok, true) }
        return (
            .fail(
                "type_error:simple",
                "Incorrect type for parameter '\(param)'. Expected type \(description), got \(Python.typeName(value)). Parameter value: \(Python.str(value))."
            ), false
        )
    }

    /// BFCL's `standardize_string`.
    public static func standardize(_ text: String) -> String {
        let removed = text.unicodeScalars.filter { !" ,./-_*^".unicodeScalars.contains($0) }
        return String(String.UnicodeScalarView(removed)).lowercased().replacingOccurrences(of: "'", with: "\"")
    }

    static func standardized(_ value: JSONValue) -> JSONValue {
        if case .string(let s) = value { return .string(standardize(s)) }
        return value
    }

    static func stringChecker(_ param: String, _ value: JSONValue, _ possible: [JSONValue]) -> Result {
        let candidates = possible.compactMap(\.stringValue).map(standardize)
        guard case .string(let s) = value, candidates.contains(standardize(s)) else {
            return .fail(
                "value_error:string",
                "Invalid value for parameter '\(param)': \(Python.str(value)). Expected one of \(possible). Case insensitive."
            )
        }
        return .ok
    }

    static func listChecker(_ param: String, _ value: JSONValue, _ possible: [JSONValue]) -> Result {
        let output = JSONValue.array((value.arrayValue ?? []).map(standardized))
        let candidates = possible.map { item -> JSONValue in
            .array((item.arrayValue ?? []).map(standardized))
        }
        guard Python.contains(candidates, output) else {
            return .fail(
                "value_error:list/tuple",
                "Invalid value for parameter '\(param)': \(Python.str(value)). Expected one of \(possible).")
        }
        return .ok
    }

    static func dictChecker(_ param: String, _ value: JSONValue, _ possibleAnswers: [JSONValue]) -> Result {
        var result = Result.fail("dict_checker:unclear", "")
        result.errors = []
        let output = value.objectValue ?? [:]
        for candidate in possibleAnswers where candidate != "" {
            result = Result(valid: false, errors: [], errorType: "dict_checker:unclear")
            let possible = candidate.objectValue ?? [:]
            var flag = true
            for (key, item) in output {
                guard let options = possible[key]?.arrayValue else {
                    result = .fail("value_error:dict_key", "Unexpected dict key parameter: '\(key)'.")
                    flag = false
                    break
                }
                if !Python.contains(options.map(standardized), standardized(item)) {
                    result = .fail(
                        "value_error:dict_value", "Invalid value for parameter '\(key)': \(Python.str(item)).")
                    flag = false
                    break
                }
            }
            if flag {
                for (key, options) in possible where output[key] == nil && !(options.arrayValue ?? []).contains("") {
                    result = .fail("value_error:dict_key", "Missing dict key parameter: '\(key)'.")
                    flag = false
                    break
                }
            }
            if flag { return .ok }
        }
        return result
    }

    static func listDictChecker(_ param: String, _ value: JSONValue, _ possibleAnswers: [JSONValue]) -> Result {
        var result = Result(valid: false, errors: [], errorType: "list_dict_checker:unclear")
        let output = value.arrayValue ?? []
        for candidate in possibleAnswers {
            let dicts = candidate.arrayValue ?? []
            guard output.count == dicts.count else {
                result = .fail("value_error:list_dict_count", "Wrong number of dictionaries in the list.")
                continue
            }
            var flag = true
            for (item, expected) in zip(output, dicts) {
                result = dictChecker(param, item, [expected])
                if !result.valid {
                    flag = false
                    break
                }
            }
            if flag { return .ok }
        }
        return result
    }
}
