import AgentKit
import Foundation
import TroupeCore

/// The run's report: `report.md` with the success table per task type for every evaluation
/// beside the paper's ALFWorld table, the data and training numbers of each round, and two plots
/// (`success.svg`: success per evaluation; `margins.svg`: DPO reward margins per step).
extension MatryoshkaRun {
    /// The paper's ALFWorld table (Matryoshka, arXiv 2410.20749 v1, 134 `valid_unseen` games,
    /// gpt-3.5-turbo black box, Llama-3-8B-Instruct controller): success in percent.
    static let paperRows: [(String, [Double])] = [
        ("ReAct", [37.50, 64.52, 69.57, 42.86, 38.89, 17.65, 47.76]),
        ("AdaPlanner", [100.00, 93.55, 78.26, 95.24, 66.67, 88.24, 88.06]),
        ("Matryoshka", [100.00, 93.55, 100.00, 90.48, 100.00, 88.24, 95.52]),
        ("Matryoshka w/o 2nd-round IGO", [100.00, 93.55, 100.00, 100.00, 83.33, 88.24, 94.78]),
        ("Matryoshka w/o 1st+2nd-round IGO", [100.00, 93.55, 86.96, 95.24, 55.56, 88.24, 88.06]),
        ("Matryoshka w/o guidance optimization", [100.00, 93.55, 91.30, 85.71, 11.11, 88.24, 81.34]),
    ]

    /// The evaluations done so far, in order, with a label each.
    func evaluations() throws -> [(tag: String, label: String, table: ResultTable)] {
        var tags: [(String, String)] = [("round-0", "controller before training (round 0)")]
        if settings.warmupGames > 0 { tags.append(("warmup", "after SFT warm-up")) }
        for round in 1...max(1, settings.rounds) where settings.rounds > 0 {
            tags.append(("round-\(round)", "after round \(round) (DPO)"))
        }
        if settings.baselines {
            tags += [
                ("baseline-none", "reference: no guidance"), ("baseline-generic", "reference: generic plan (rules)"),
                ("baseline-walkthrough", "reference: planner walkthrough (oracle)"),
            ]
        }
        return try tags.compactMap { tag, label in
            let records = try RunFiles.readLines(path("eval/\(tag).jsonl"))
            guard isDone("eval/\(tag)"), !records.isEmpty else { return nil }
            return (tag, label, MatryoshkaRun.table(records))
        }
    }

    /// Rewrites the report of an existing run directory from what it holds.
    public func regenerateReport() throws -> String {
        try openDirectory()
        return try writeReport()
    }

    /// Writes `report.md`, `success.svg` and `margins.svg`; returns the report's path.
    @discardableResult
    public func writeReport() throws -> String {
        let evals = try evaluations()
        let layout = ResultTable.Layout.alfworld
        var lines = ["# Matryoshka on ALFWorld", ""]
        let model = modelIdentity["path"]?.stringValue ?? "the controller"
        lines.append(
            "Controller: `\((model as NSString).lastPathComponent)` with LoRA (r \(settings.loraR), α \(Int(settings.loraAlpha))). "
                + "Black box: `\(settings.blackBox.canonicalString())`. Preset `\(settings.preset)`: \(settings.evalGames) "
                + "\(settings.evalSplit) games for evaluation (greedy, \(settings.evalTries) tr\(settings.evalTries == 1 ? "y" : "ies")), "
                + "\(settings.trainGames) training games × \(settings.samples) samples at temperature \(settings.temperature), "
                + "\(settings.rounds) round(s) of DPO (β \(settings.beta), label smoothing \(settings.labelSmoothing), "
                + "lr \(settings.dpo.learningRate))"
                + (settings.warmupGames > 0 ? ", SFT warm-up on \(settings.warmupGames) walkthroughs." : ".")
        )
        lines += ["", "## Success rate per task type (%)", ""]
        let header = ResultTable.header(layout, first: "")
        lines += header
        for e in evals { lines.append(e.table.row(layout, label: e.label)) }
        lines += [
            "",
            "The paper's table (134 ALFWorld `valid_unseen` games, gpt-3.5-turbo black box; not the same "
                + "games or black box, so not directly comparable):", "",
        ]
        lines += header
        for (name, values) in MatryoshkaRun.paperRows {
            lines.append(
                "| \(name) | "
                    + values.enumerated().map {
                        $0.offset == 6
                            ? "**\(String(format: "%.2f", $0.element))**" : String(format: "%.2f", $0.element)
                    }
                    .joined(separator: " | ") + " |")
        }
        lines += ["", "## Evaluations in detail", ""]
        for e in evals { lines += ["### \(e.label)", "", e.table.detail(layout), ""] }
        lines += try roundLines()
        lines += [
            "## Plots", "", "![success per evaluation](success.svg)", "", "![DPO reward margins](margins.svg)", "",
            "## Files", "",
            "- `run.json`: the settings; `state.json`: the phases done.",
            "- `eval/<tag>.jsonl`: every evaluation episode (guidance, the black box's commands, feedback); `eval/<tag>.json`: its table.",
            "- `round-<r>/collect.jsonl`: the sampled guidance with outcomes; `pairs.jsonl` (TRL) and `pairs.openrlhf.jsonl` (OpenRLHF).",
            "- `round-<r>/dpo/`: the adapter (PEFT), checkpoints, `metrics.jsonl`, `metrics.svg`; `round-<r>/adapter.gguf`: the adapter for llama.cpp.",
        ]
        let report = path("report.md")
        try RunFiles.write(lines.joined(separator: "\n") + "\n", to: report)
        try RunFiles.write(successChart(evals).svg, to: path("success.svg"))
        try RunFiles.write(try marginsChart().svg, to: path("margins.svg"))
        return report
    }

    /// The per-round data and training table.
    func roundLines() throws -> [String] {
        guard settings.rounds > 0 else { return [] }
        var lines = [
            "## Rounds", "",
            "| round | samples | won | games with pairs | pairs | DPO steps | final loss | final reward margin | final reward accuracy |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for round in 1...settings.rounds {
            let samples = try RunFiles.readLines(path("round-\(round)/collect.jsonl"))
            guard !samples.isEmpty else { continue }
            let pairs = try RunFiles.readLines(path("round-\(round)/pairs.jsonl"))
            let metrics = try RunFiles.readLines(path("round-\(round)/dpo/metrics.jsonl")).filter { $0["loss"] != nil }
            let last = metrics.last
            func value(_ key: String) -> String { last?[key]?.doubleValue.map { String(format: "%.4f", $0) } ?? "n/a" }
            lines.append(
                "| \(round) | \(samples.count) | \(samples.filter { $0["won"]?.boolValue == true }.count) | "
                    + "\(Set(pairs.compactMap { $0["game"]?.intValue }).count) | \(pairs.count) | "
                    + "\(last?["step"]?.intValue.map(String.init) ?? "0") | \(value("loss")) | \(value("rewards/margins")) | "
                    + "\(value("rewards/accuracies")) |")
        }
        return lines + [""]
    }

    func successChart(_ evals: [(tag: String, label: String, table: ResultTable)]) -> LineChart {
        let progression = evals.filter { !$0.tag.hasPrefix("baseline") }
        var series = [
            LineChart.Series(
                name: "All",
                points: progression.enumerated().map { (Double($0.offset), $0.element.table.all.successRate * 100) })
        ]
        for column in ResultTable.Layout.alfworld.columns {
            let points = progression.enumerated().compactMap { index, e in
                e.table.groups[column.group].map { (Double(index), $0.successRate * 100) }
            }
            if !points.isEmpty { series.append(LineChart.Series(name: column.title, points: points)) }
        }
        for e in evals where e.tag.hasPrefix("baseline") {
            let rate = e.table.all.successRate * 100
            series.append(
                LineChart.Series(
                    name: e.tag.replacingOccurrences(of: "baseline-", with: "ref: "),
                    points: [(0, rate), (Double(max(1, progression.count - 1)), rate)]))
        }
        return LineChart(
            title: "Success per evaluation (0: before training)", xLabel: "evaluation", yLabel: "success %",
            series: series, yRange: 0...100)
    }

    func marginsChart() throws -> LineChart {
        var series: [LineChart.Series] = []
        var offset = 0.0
        for round in 1...max(1, settings.rounds) where settings.rounds > 0 {
            let metrics = try RunFiles.readLines(path("round-\(round)/dpo/metrics.jsonl"))
            let points = metrics.compactMap { m -> (Double, Double)? in
                guard let step = m["step"]?.doubleValue, let margin = m["rewards/margins"]?.doubleValue else {
                    return nil
                }
                return (offset + step, margin)
            }
            if !points.isEmpty { series.append(LineChart.Series(name: "round \(round)", points: points)) }
            offset = points.last?.0 ?? offset
        }
        return LineChart(
            title: "DPO reward margin β·Δ per optimizer step", xLabel: "optimizer step (all rounds)",
            yLabel: "rewards/margins", series: series)
    }
}
