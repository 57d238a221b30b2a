import Foundation

/// A small SVG line chart: named series of (x, y) points on shared axes, with a legend. Enough
/// for reports (success per round, reward margins per step); no dependencies.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]

        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Fixed y range (nil: from the data).
    public var yRange: ClosedRange<Double>?

    public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.yRange = yRange
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    public var svg: String {
        let width = 640.0, height = 360.0, left = 60.0, right = 170.0, top = 36.0, bottom = 46.0
        let all = series.flatMap(\.points)
        var xMin = all.map(\.x).min() ?? 0, xMax = all.map(\.x).max() ?? 1
        var yMin = yRange?.lowerBound ?? all.map(\.y).min() ?? 0
        var yMax = yRange?.upperBound ?? all.map(\.y).max() ?? 1
        if xMax == xMin { (xMin, xMax) = (xMin - 0.5, xMax + 0.5) }
        if yMax == yMin { (yMin, yMax) = (yMin - 0.5, yMax + 0.5) }
        let plotW = width - left - right, plotH = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yMin) / (yMax - yMin) * plotH }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="22" font-weight="bold" font-size="14">\(LineChart.escape(title))</text>
            <rect x="\(left)" y="\(top)" width="\(plotW)" height="\(plotH)" fill="none" stroke="#999"/>

            """
        for i in 0...4 {
            let y = yMin + (yMax - yMin) * Double(i) / 4
            out +=
                "<line x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(f(py(y)))\" y2=\"\(f(py(y)))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(left - 6)\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(LineChart.label(y))</text>\n"
        }
        let xs = Array(Set(all.map(\.x))).sorted()
        let ticks = xs.count <= 12 ? xs : stride(from: 0, to: xs.count, by: max(1, xs.count / 8)).map { xs[$0] }
        for x in ticks {
            out +=
                "<text x=\"\(f(px(x)))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(LineChart.label(x))</text>\n"
        }
        out +=
            "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(LineChart.escape(xLabel))</text>\n"
        out +=
            "<text x=\"14\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(top + plotH / 2)))\">\(LineChart.escape(yLabel))</text>\n"
        for (index, s) in series.enumerated() {
            let color = LineChart.colors[index % LineChart.colors.count]
            let coords = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            if s.points.count > 1 {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(coords)\"/>\n"
            }
            for p in s.points {
                out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(color)\"/>\n"
            }
            let ly = top + 14 + Double(index) * 18
            out +=
                "<rect x=\"\(f(left + plotW + 12))\" y=\"\(f(ly - 9))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>\n"
            out += "<text x=\"\(f(left + plotW + 30))\" y=\"\(f(ly + 1))\">\(LineChart.escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func label(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e6 { return String(Int(v)) }
        return abs(v) >= 100 || abs(v) < 0.01 ? String(format: "%.3g", v) : String(format: "%.2f", v)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
