import TroupeCore

/// AutoIF's arithmetic over verifier results, as its scripts do it (QwenLM/AutoIF
/// `code/7_query_vertification.py`, `code_dpo/1_dpo_rft_wash.py`):
///
///     res = evaluate(response)        # an exception or the 5 s alarm: res = None
///     if res is not None:
///         try: acc.append(int(res))   # a value int() refuses (the string 'true') is skipped
///         except: continue
///     pass_rate = np.mean(acc) if acc else 0
///
/// So errors and timeouts never count as passes, but they are left out of the mean rather than
/// counted as zeros; a response all of whose verifiers fail to run scores 0. `strictPassRate` is
/// the reading the paper's text suggests (errors count as failures: passes over verifiers), for
/// callers that want it. Pure functions; `PythonEnv` reports both.
public enum AutoIFScore {
    /// One verifier on one response.
    public struct Pair: Sendable, Equatable {
        /// What AutoIF appends to its list: `int(res)`, or nil when it skips the result.
        public var counted: Double?
        /// Pass (counted and non-zero), fail (counted and zero), or nil (not counted: an error, a
        /// timeout, `None`, or a value `int()` refuses).
        public var verdict: Bool? { counted.map { $0 != 0 } }

        public init(counted: Double?) { self.counted = counted }
    }

    /// The pair from a finished `autoif` job. With `acceptStrings`, the strings "true" and "false"
    /// (any case, surrounding spaces ignored) count as 1 and 0, which AutoIF itself does not do
    /// (it skips them); verifiers written by models return them often.
    public static func pair(_ result: SandboxResult, acceptStrings: Bool = false) -> Pair {
        guard result.status == .ok else { return Pair(counted: nil) }
        if let counted = result.autoifInt?.doubleValue { return Pair(counted: counted) }
        if acceptStrings, let text = result.value?.json.stringValue {
            switch text.trimmingSpaces.lowercased() {
            case "true": return Pair(counted: 1)
            case "false": return Pair(counted: 0)
            default: break
            }
        }
        return Pair(counted: nil)
    }

    /// AutoIF's pass rate of one response: the mean of the counted values, 0 when none counted.
    /// (A verifier returning 2 counts 2, as in AutoIF; rewards clamp to [0, 1].)
    public static func passRate(_ pairs: [Pair]) -> Double {
        let counted = pairs.compactMap(\.counted)
        return counted.isEmpty ? 0 : counted.reduce(0, +) / Double(counted.count)
    }

    /// Passes over all verifiers: errors, timeouts and uncountable values are failures.
    public static func strictPassRate(_ pairs: [Pair]) -> Double {
        pairs.isEmpty ? 0 : Double(pairs.filter { $0.verdict == true }.count) / Double(pairs.count)
    }
}
