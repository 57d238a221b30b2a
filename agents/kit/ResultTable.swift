import Foundation
import TroupeCore

/// Success rates and mean lengths of episodes, per group (a task type) and over all, in a
/// chosen column layout: what `agent bench` prints and the Matryoshka report tabulates.
public struct ResultTable: Sendable, Equatable {
    /// One group's counts.
    public struct Cell: Sendable, Equatable {
        public var episodes = 0
        public var won = 0
        /// Steps summed over all episodes, and over won ones.
        public var steps = 0
        public var wonSteps = 0

        public init() {}

        public var successRate: Double { episodes == 0 ? 0 : Double(won) / Double(episodes) }
        public var meanSteps: Double { episodes == 0 ? 0 : Double(steps) / Double(episodes) }

        public mutating func add(won: Bool, steps: Int) {
            episodes += 1
            self.steps += steps
            if won {
                self.won += 1
                wonSteps += steps
            }
        }

        var json: JSONValue {
            [
                "episodes": .number(episodes), "won": .number(won), "success_rate": .double(successRate),
                "mean_steps": .double(meanSteps),
                "mean_steps_won": .double(won == 0 ? 0 : Double(wonSteps) / Double(won)),
            ]
        }
    }

    /// How groups become columns: the group values in order with their column titles.
    public struct Layout: Sendable, Equatable {
        public var columns: [(group: String, title: String)]

        public init(columns: [(group: String, title: String)]) { self.columns = columns }

        public static func == (a: Layout, b: Layout) -> Bool {
            a.columns.map(\.group) == b.columns.map(\.group) && a.columns.map(\.title) == b.columns.map(\.title)
        }

        /// The paper's ALFWorld columns (Matryoshka's and ReAct's tables): Pick, Clean, Heat,
        /// Cool, Examine, PickTwo, keyed by ALFWorld's task type names.
        public static let alfworld = Layout(columns: [
            ("pick_and_place_simple", "Pick"), ("pick_clean_then_place_in_recep", "Clean"),
            ("pick_heat_then_place_in_recep", "Heat"), ("pick_cool_then_place_in_recep", "Cool"),
            ("look_at_obj_in_light", "Examine"), ("pick_two_obj_and_place", "PickTwo"),
        ])
    }

    public var groups: [String: Cell] = [:]
    public var all = Cell()

    public init() {}

    public mutating func add(group: String, won: Bool, steps: Int) {
        groups[group, default: Cell()].add(won: won, steps: steps)
        all.add(won: won, steps: steps)
    }

    /// The groups `layout` does not name, sorted (they get columns after the layout's).
    public func extraGroups(_ layout: Layout) -> [String] {
        let named = Set(layout.columns.map(\.group))
        return groups.keys.filter { !named.contains($0) }.sorted()
    }

    /// A Markdown header and separator for `layout` (`| first | Pick | … | All |`).
    public static func header(_ layout: Layout, first: String, extra: [String] = []) -> [String] {
        let titles = layout.columns.map(\.title) + extra + ["All"]
        return [
            "| \(first) | " + titles.joined(separator: " | ") + " |",
            "|---|" + titles.map { _ in "---:" }.joined(separator: "|") + "|",
        ]
    }

    /// One Markdown row of success rates in percent (two decimals, as the paper prints them);
    /// `–` for a column with no episode.
    public func row(_ layout: Layout, label: String, extra: [String] = []) -> String {
        let cells = (layout.columns.map(\.group) + extra).map {
            groups[$0].map { ResultTable.percent($0.successRate) } ?? "–"
        }
        return "| \(label) | " + (cells + ["**" + ResultTable.percent(all.successRate) + "**"]).joined(separator: " | ")
            + " |"
    }

    /// Success, counts and mean steps as a Markdown table, one row per column group.
    public func detail(_ layout: Layout) -> String {
        var lines = ["| task type | episodes | won | success | mean steps |", "|---|---:|---:|---:|---:|"]
        for column in layout.columns + extraGroups(layout).map({ ($0, $0) }) {
            guard let cell = groups[column.group] else { continue }
            lines.append(
                "| \(column.title) | \(cell.episodes) | \(cell.won) | \(ResultTable.percent(cell.successRate)) | \(String(format: "%.1f", cell.meanSteps)) |"
            )
        }
        lines.append(
            "| All | \(all.episodes) | \(all.won) | \(ResultTable.percent(all.successRate)) | \(String(format: "%.1f", all.meanSteps)) |"
        )
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        var groupsJSON = JSONObject()
        for key in groups.keys.sorted() { groupsJSON[key] = groups[key]!.json }
        return ["all": all.json, "groups": .object(groupsJSON)]
    }

    static func percent(_ rate: Double) -> String { String(format: "%.2f", rate * 100) }
}
