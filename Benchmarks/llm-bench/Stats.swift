import Foundation

/// Latency samples in seconds, summarized as percentiles (nearest rank).
struct Samples {
    private(set) var values: [Double] = []

    mutating func add(_ seconds: Double) { values.append(seconds) }
    mutating func add(contentsOf other: [Double]) { values += other }

    var count: Int { values.count }

    /// The p-th percentile (0...100) by nearest rank; 0 when empty.
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    var median: Double { percentile(50) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

/// `123.4`: a number with one decimal.
func format(_ value: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

/// Progress for a person watching: to standard error, so standard output stays the report.
func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
