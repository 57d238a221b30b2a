import Foundation
import TroupeCore
import TroupeLM

/// What reading a data file found.
public struct DatasetReport: Sendable, Equatable {
    public var path: String
    /// Non-empty lines read.
    public var lines = 0
    /// Examples made (one per line: none is dropped).
    public var examples = 0
    /// Lines whose example was shortened to `maxLength` (see `DataFormat`).
    public var truncatedLines: [Int] = []
    /// A hash of every example's tokens (checkpoints refuse to resume on other data).
    public var fingerprint: UInt64 = 0
}

/// JSONL data files: one JSON object per line, blank lines ignored. A malformed line stops the
/// load with its line number; an over-long example is truncated and listed in the report.
public enum JSONLDataset {
    /// Calls `make` on every non-empty line's JSON; errors name the file and line.
    public static func read<T>(_ path: String, _ make: (JSONValue) throws -> T) throws -> [(line: Int, value: T)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainError.noData(path: path, reason: "cannot read the file (does it exist?)")
        }
        var out: [(Int, T)] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let json: JSONValue
            do {
                json = try JSONValue.parse([UInt8](line))
            } catch {
                throw TrainError.badData(
                    path: path, line: lineNumber, message: "not valid JSON (\(error.troupeMessage))")
            }
            guard json.objectValue != nil else {
                throw TrainError.badData(
                    path: path, line: lineNumber, message: "expected a JSON object, found \(json.typeName)")
            }
            do {
                out.append((lineNumber, try make(json)))
            } catch let e as ExampleFormatter.LineError {
                throw TrainError.badData(path: path, line: lineNumber, message: e.message)
            } catch let e as LMError {
                throw TrainError.badData(path: path, line: lineNumber, message: e.description)
            }
        }
        guard !out.isEmpty else { throw TrainError.noData(path: path, reason: "the file holds no JSON lines") }
        return out
    }

    public static func sft(_ path: String, formatter: ExampleFormatter) throws -> ([SFTExample], DatasetReport) {
        let rows = try read(path) { try formatter.sft($0) }
        var report = DatasetReport(path: path, lines: rows.count, examples: rows.count)
        var examples: [SFTExample] = []
        var hash = Fingerprint()
        for (line, e) in rows {
            var e = e
            e.line = line
            guard e.scored.weights.contains(where: { $0 > 0 }) else {
                throw TrainError.badData(path: path, line: line, message: "the example has no token to learn")
            }
            if e.truncated { report.truncatedLines.append(line) }
            hash.add(e.prompt)
            hash.add(e.completion)
            hash.add(e.weights.map { Int($0.bitPattern) })
            examples.append(e)
        }
        report.fingerprint = hash.value
        return (examples, report)
    }

    public static func preferences(
        _ path: String, formatter: ExampleFormatter
    ) throws -> (
        [PreferenceExample], DatasetReport
    ) {
        let rows = try read(path) { try formatter.preference($0) }
        var report = DatasetReport(path: path, lines: rows.count, examples: rows.count)
        var examples: [PreferenceExample] = []
        var hash = Fingerprint()
        for (line, e) in rows {
            var e = e
            e.line = line
            guard e.sequences.chosen.completionCount > 0, e.sequences.rejected.completionCount > 0 else {
                throw TrainError.badData(path: path, line: line, message: "a completion has no token")
            }
            if e.truncated { report.truncatedLines.append(line) }
            hash.add(e.prompt)
            hash.add(e.chosen)
            hash.add(e.rejected)
            examples.append(e)
        }
        report.fingerprint = hash.value
        return (examples, report)
    }
}

/// FNV-1a over token ids (stable across processes, unlike `Hasher`).
struct Fingerprint {
    var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ ids: [Int]) {
        for id in ids + [-1] {
            var x = UInt64(bitPattern: Int64(id))
            for _ in 0..<8 {
                value = (value ^ (x & 0xFF)) &* 0x100_0000_01b3
                x >>= 8
            }
        }
    }
}

/// The order examples are visited in: a seeded shuffle per epoch, optionally grouped by length
/// (Hugging Face's `group_by_length`: the shuffled order is cut into mega-batches of 50 global
/// batches, each sorted by length, longest first, so micro-batches hold similar lengths).
public enum EpochOrder {
    public static func indices(count: Int, seed: UInt64, epoch: Int, lengths: [Int]?, batchSize: Int) -> [Int] {
        var rng = SeededRNG(seed: seed, stream: "epoch-\(epoch)")
        var order = rng.shuffled(Array(0..<count))
        if let lengths {
            let mega = max(1, 50 * batchSize)
            var grouped: [Int] = []
            var i = 0
            while i < order.count {
                let chunk = order[i..<min(order.count, i + mega)]
                grouped += chunk.sorted { (lengths[$0], $1) > (lengths[$1], $0) }
                i += mega
            }
            order = grouped
        }
        return order
    }
}
