import Foundation
import TroupeCore

/// `metrics.jsonl` in the output directory: one JSON object per logged step (and per
/// evaluation, with `eval_` keys). Opening it for a run resumed at step s keeps the lines of
/// steps ≤ s (rewritten atomically) so the file always describes one consistent run.
final class MetricsLog {
    let path: String
    private(set) var records: [StepRecord] = []
    private let handle: FileHandle

    init(directory: String, keepingThrough step: Int) throws {
        try FileIO.makeDirectory(directory)
        path = directory + "/metrics.jsonl"
        if let data = FileManager.default.contents(atPath: path) {
            var kept = ""
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                guard let json = try? JSONValue.parse(String(line)), let s = json["step"]?.intValue, s <= step else {
                    continue
                }
                kept += line + "\n"
                records.append(MetricsLog.record(json))
            }
            try FileIO.write(kept, to: path)
        } else {
            try FileIO.write("", to: path)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw TrainError.cannotWrite(path: path, reason: "cannot open for appending")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    func append(_ record: StepRecord) throws {
        records.append(record)
        do {
            try handle.write(contentsOf: Data((record.json.serialized() + "\n").utf8))
        } catch {
            throw TrainError.cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    static func record(_ json: JSONValue) -> StepRecord {
        var values: [(String, Double)] = []
        for (k, v) in json.objectValue ?? [:] where k != "step" {
            if let d = v.doubleValue { values.append((k, d)) }
        }
        return StepRecord(step: Int(json["step"]?.intValue ?? 0), values: values)
    }
}

/// An SVG of the training curves: one panel per metric (training line, and the `eval_` points
/// when there are any), for the metrics that matter to each objective.
public enum MetricsPlot {
    static let preferred = [
        "loss", "rewards/margins", "rewards/accuracies", "accuracy", "margin", "mean_token_accuracy",
        "rewards/chosen", "rewards/rejected", "nll_loss", "learning_rate", "grad_norm",
    ]

    public static func write(records: [StepRecord], to path: String) throws {
        try FileIO.write(svg(records: records), to: path)
    }

    public static func svg(records: [StepRecord]) -> String {
        let train = records.filter { !($0.values.first?.0.hasPrefix("eval_") ?? false) }
        let evals = records.filter { $0.values.first?.0.hasPrefix("eval_") ?? false }
        let keys = preferred.filter { k in train.contains { $0[k] != nil } }
        let columns = 2, w = 420.0, h = 240.0, pad = 46.0
        let rows = max(1, (keys.count + columns - 1) / columns)
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w) * columns)" height="\(Int(h) * rows)" \
            font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>

            """
        for (i, key) in keys.enumerated() {
            let x0 = Double(i % columns) * w, y0 = Double(i / columns) * h
            let line = train.compactMap { r in r[key].map { (Double(r.step), $0) } }
            let points = evals.compactMap { r in r["eval_" + key].map { (Double(r.step), $0) } }
            let all = line + points
            guard let first = all.first else { continue }
            var (xMin, xMax, yMin, yMax) = (first.0, first.0, first.1, first.1)
            for (x, y) in all {
                xMin = min(xMin, x)
                xMax = max(xMax, x)
                yMin = min(yMin, y)
                yMax = max(yMax, y)
            }
            if xMax == xMin { xMax += 1 }
            if yMax == yMin { (yMin, yMax) = (yMin - 0.5, yMax + 0.5) }
            func px(_ x: Double) -> Double { x0 + pad + (x - xMin) / (xMax - xMin) * (w - 1.5 * pad) }
            func py(_ y: Double) -> Double { y0 + h - pad + (yMin - y) / (yMax - yMin) * (h - 1.7 * pad) }
            out += "<text x=\"\(x0 + pad)\" y=\"\(y0 + 18)\" font-weight=\"bold\">\(key)</text>\n"
            out +=
                "<rect x=\"\(x0 + pad)\" y=\"\(py(yMax))\" width=\"\(w - 1.5 * pad)\" height=\"\(py(yMin) - py(yMax))\" fill=\"none\" stroke=\"#bbb\"/>\n"
            out += "<text x=\"\(x0 + 4)\" y=\"\(py(yMax) + 4)\">\(format(yMax))</text>\n"
            out += "<text x=\"\(x0 + 4)\" y=\"\(py(yMin))\">\(format(yMin))</text>\n"
            out += "<text x=\"\(x0 + pad)\" y=\"\(py(yMin) + 14)\">step \(Int(xMin))</text>\n"
            out += "<text x=\"\(px(xMax) - 40)\" y=\"\(py(yMin) + 14)\">\(Int(xMax))</text>\n"
            if !line.isEmpty {
                let coords = line.map { "\(format(px($0.0))),\(format(py($0.1)))" }.joined(separator: " ")
                out += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(coords)\"/>\n"
            }
            for (x, y) in points {
                out += "<circle cx=\"\(format(px(x)))\" cy=\"\(format(py(y)))\" r=\"3\" fill=\"#d62728\"/>\n"
            }
            if !points.isEmpty {
                out += "<text x=\"\(x0 + w - 90)\" y=\"\(y0 + 18)\" fill=\"#d62728\">● eval</text>\n"
            }
        }
        return out + "</svg>\n"
    }

    static func format(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1000 || abs(v) < 0.01 { return String(format: "%.3g", v) }
        return String(format: "%.3f", v)
    }
}
