/// ToolBench's name normalization, reproduced character for character so that ToolBench's own
/// tool files, query files and trajectories load and match here (`toolbench/utils.py` and
/// `toolbench/inference/Downstream_tasks/rapidapi.py` at OpenBMB/ToolBench).
///
/// The rules, including their quirks:
/// - `standardize`: every character that is not `^`, an ASCII letter or digit, `_`, or a CJK
///   ideograph in U+4E00…U+9FA5 becomes `_` (ToolBench's character class
///   `[^\u4e00-\u9fa5^a-z^A-Z^0-9^_]` lists `^` as allowed, so `^` survives); runs of `_` collapse
///   to one; the result is lowercased; leading and trailing `_` are stripped; a result that starts
///   with a digit gets the prefix `get_`.
/// - `changeName`: the names `from`, `class`, `return`, `false`, `true`, `id`, `and` (Python
///   keywords and the like) become `is_` + name. It applies to API names and parameter names.
/// - `categoryDirectory`: spaces, commas and `/` become `_`, then one left-to-right pass replaces
///   `__` with `_` (so `___` becomes `__`, as Python's `str.replace` does).
/// - `functionName`: `changeName(standardize(api)) + "_for_" + standardToolName`, keeping the
///   *last* 64 characters.
public enum ToolBenchNames {
    /// The names `changeName` prefixes with `is_`.
    public static let reservedNames: Set<String> = ["from", "class", "return", "false", "true", "id", "and"]

    /// The longest function name exposed to a model (OpenAI's limit).
    public static let maxFunctionNameLength = 64

    /// ToolBench's `standardize`.
    public static func standardize(_ text: String) -> String {
        var replaced = ""
        replaced.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        var lastWasUnderscore = false
        for scalar in text.unicodeScalars {
            let kept = isKept(scalar)
            let out: Unicode.Scalar = kept ? scalar : "_"
            if out == "_" {
                if lastWasUnderscore { continue }
                lastWasUnderscore = true
            } else {
                lastWasUnderscore = false
            }
            replaced.unicodeScalars.append(out)
        }
        // Python's str.lower() on what is left: only ASCII letters change case (CJK and `^` have none).
        var lowered = String(String.UnicodeScalarView(replaced.unicodeScalars.map { asciiLower($0) }))
        while lowered.hasPrefix("_") { lowered.removeFirst() }
        while lowered.hasSuffix("_") { lowered.removeLast() }
        if let first = lowered.unicodeScalars.first, ("0"..."9").contains(first) {
            lowered = "get_" + lowered
        }
        return lowered
    }

    /// ToolBench's `change_name`.
    public static func changeName(_ name: String) -> String {
        reservedNames.contains(name) ? "is_" + name : name
    }

    /// The name a parameter is exposed under: `changeName(standardize(name))`.
    public static func parameterName(_ name: String) -> String { changeName(standardize(name)) }

    /// The directory name of a category (ToolBench's `standardize_category`).
    public static func categoryDirectory(_ category: String) -> String {
        var text = category
        for separator in [" ", ",", "/"] { text = text.replacingOccurrences(of: separator, with: "_") }
        return text.replacingOccurrences(of: "__", with: "_")
    }

    /// The function name a model sees for API `apiName` of the tool whose standard name (its
    /// file name without `.json`) is `standardToolName`.
    public static func functionName(api apiName: String, standardToolName: String) -> String {
        let full = changeName(standardize(apiName)) + "_for_" + standardToolName
        let scalars = full.unicodeScalars
        guard scalars.count > maxFunctionNameLength else { return full }
        return String(String.UnicodeScalarView(scalars.suffix(maxFunctionNameLength)))
    }

    private static func isKept(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x5E: return true  // 0-9 A-Z a-z _ ^
        case 0x4E00...0x9FA5: return true
        default: return false
        }
    }

    private static func asciiLower(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 32)! : scalar
    }
}
