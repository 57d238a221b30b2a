import TroupeCore

/// STE's first-turn metric over a bench's episodes (Wang et al. 2024, "LLMs in the Imaginarium"):
/// well-formed % of all episodes, API match % of the well-formed, correct % of all.
///
/// Reads `info.ste`, which `tools-v0` puts on the result of an episode's first step (its verdict
/// on that turn: `well_formed`, `api_match`, `correct`). Episodes without it (other environments,
/// custom queries without gold calls) are not counted. Who calls it: `agent bench`.
public struct STETally: Sendable, Equatable {
    public private(set) var total = 0
    public private(set) var wellFormed = 0
    public private(set) var apiMatch = 0
    public private(set) var correct = 0

    public init() {}

    /// Counts the episode's first-turn verdict, if it has one.
    public mutating func add(_ record: EpisodeRecord) {
        guard let verdict = record.steps.first?.result.info["ste"]?.objectValue else { return }
        total += 1
        if verdict["well_formed"] == true { wellFormed += 1 }
        if verdict["api_match"] == true { apiMatch += 1 }
        if verdict["correct"] == true { correct += 1 }
    }

    public var wellFormedPercent: Double { Self.percent(wellFormed, total) }
    /// Of the well-formed turns, as STE reports it.
    public var apiMatchPercent: Double { Self.percent(apiMatch, wellFormed) }
    public var correctPercent: Double { Self.percent(correct, total) }

    static func percent(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : 100 * Double(part) / Double(whole) }

    /// One line for the bench's report.
    public var summary: String {
        let f = { (x: Double) in String(format: "%.1f%%", x) }
        return "STE first turn (\(total) episodes): well-formed \(f(wellFormedPercent)), "
            + "API match \(f(apiMatchPercent)) of well-formed, correct \(f(correctPercent))"
    }

    public var json: JSONValue {
        [
            "episodes": .number(total), "well_formed": .double(wellFormedPercent),
            "api_match": .double(apiMatchPercent), "correct": .double(correctPercent),
        ]
    }
}
