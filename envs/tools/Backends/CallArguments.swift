import TroupeCore

/// The arguments of one call after validation, under the API's own parameter names (`from`, not
/// the exposed `is_from`), with values of the parameter's kind: numbers as numbers (a numeric
/// string such as `"5"` is accepted, as a query string would carry it), Booleans as Booleans,
/// dates as valid `YYYY-MM-DD` strings, everything else as strings. Absent optional parameters
/// and optional parameters given as `null` or `""` are left out.
public struct CallArguments: Sendable, Equatable {
    public var values: JSONObject

    public init(_ values: JSONObject = [:]) { self.values = values }

    public func string(_ name: String) -> String? { values[name]?.stringValue }
    public func number(_ name: String) -> Double? { values[name]?.doubleValue }
    public func int(_ name: String) -> Int? { values[name]?.doubleValue.map { Int($0.rounded()) } }
    public func bool(_ name: String) -> Bool? { values[name]?.boolValue }

    /// The canonical form of the arguments: the cache key of a call.
    public var canonical: JSONValue { JSONValue.object(values).canonicalized() }
}

/// Checks a model's arguments against an API's parameters the way ToolBench's harness fails:
/// a call with an unknown keyword or without a required one fails like the Python function
/// ToolBench generates for the API (`TypeError: f() missing 1 required positional argument: 'q'`),
/// reported as `Function executing error...` with status `input_error`.
public enum ArgumentValidator {
    /// Validates `arguments` (keyed by exposed names) for `function`. With `typed`, values are
    /// converted to the parameter kinds (the simulator needs that); without, they pass through as
    /// given (the HTTP backend sends them to the real API, which judges them itself).
    public static func validate(
        _ arguments: JSONObject, for function: ToolFunction, typed: Bool
    ) -> Result<CallArguments, ToolResponseError> {
        let byExposed = Dictionary(function.parameters.map { ($0.exposedName, $0) }, uniquingKeysWith: { a, _ in a })
        let callName = function.name
        for key in arguments.keys where byExposed[key] == nil {
            let known = function.parameters.map(\.exposedName)
            let hint = known.isEmpty ? "it takes no parameters" : "its parameters are: " + known.joined(separator: ", ")
            return .failure(
                executing(callName, "\(callName)() got an unexpected keyword argument '\(key)' (\(hint))"))
        }
        let missing = function.parameters.filter { parameter in
            parameter.required && (arguments[parameter.exposedName].map(\.isNull) ?? true)
        }.map(\.exposedName)
        if !missing.isEmpty {
            return .failure(executing(callName, "\(callName)() \(missingPhrase(missing))"))
        }
        var values = JSONObject()
        for exposed in function.parameters {
            guard let value = arguments[exposed.exposedName], !value.isNull else { continue }
            if !exposed.required, value == "" { continue }
            if !typed {
                values[exposed.parameter.name] = value
                continue
            }
            switch coerce(value, to: exposed.parameter.kind) {
            case .success(let coerced): values[exposed.parameter.name] = coerced
            case .failure(let mismatch):
                return .failure(
                    executing(
                        callName,
                        "parameter '\(exposed.exposedName)' expects \(mismatch.expected), got \(value.serialized())"))
            }
        }
        return .success(CallArguments(values))
    }

    /// Python's wording: `missing 1 required positional argument: 'q'`,
    /// `missing 2 required positional arguments: 'a' and 'b'`, `… 'a', 'b', and 'c'`.
    static func missingPhrase(_ names: [String]) -> String {
        let quoted = names.map { "'\($0)'" }
        let list: String
        switch quoted.count {
        case 1: list = quoted[0]
        case 2: list = "\(quoted[0]) and \(quoted[1])"
        default: list = quoted.dropLast().joined(separator: ", ") + ", and " + quoted.last!
        }
        let noun = names.count == 1 ? "argument" : "arguments"
        return "missing \(names.count) required positional \(noun): \(list)"
    }

    static func executing(_ function: String, _ detail: String) -> ToolResponseError {
        ToolResponseError(.failure(.inputError, "Function executing \(function) error...\n\(detail)"))
    }

    /// Converts a value to a parameter kind, or names what was expected.
    static func coerce(_ value: JSONValue, to kind: ToolParameter.Kind) -> Result<JSONValue, KindMismatch> {
        switch kind {
        case .number:
            switch value {
            case .int, .double: return .success(value.canonicalized())
            case .string(let text):
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                if let int = Int64(trimmed) { return .success(.int(int)) }
                if let double = Double(trimmed), double.isFinite {
                    return .success(JSONValue.double(double).canonicalized())
                }
                return .failure(KindMismatch("a NUMBER"))
            default: return .failure(KindMismatch("a NUMBER"))
            }
        case .boolean:
            switch value {
            case .bool: return .success(value)
            case .string(let text) where ["true", "false"].contains(text.lowercased()):
                return .success(.bool(text.lowercased() == "true"))
            default: return .failure(KindMismatch("a BOOLEAN"))
            }
        case .date:
            guard case .string(let text) = value, CivilDate(iso: text) != nil else {
                return .failure(KindMismatch("a DATE (YYYY-MM-DD)"))
            }
            return .success(value)
        case .array:
            if case .array = value { return .success(value) }
            if case .string = value { return .success(value) }
            return .failure(KindMismatch("an ARRAY"))
        case .string:
            switch value {
            case .string: return .success(value)
            case .int, .double: return .success(.string(value.serialized()))
            case .bool(let b): return .success(.string(b ? "true" : "false"))
            default: return .failure(KindMismatch("a STRING"))
            }
        }
    }

    struct KindMismatch: Error {
        let expected: String
        init(_ expected: String) { self.expected = expected }
    }
}

/// A validation failure carried as the response the model will read.
public struct ToolResponseError: Error, Sendable, Equatable {
    public let response: ToolResponse
    public init(_ response: ToolResponse) { self.response = response }
}
