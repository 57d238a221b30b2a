import Foundation
import TroupeCore
import TroupeLM

/// Paths and helpers shared by the engine's tests.
enum Fixtures {
    /// `Tests/TroupeLMTests/Fixtures` (written by `scripts/reference/lm_reference.py`).
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures"
    ).path

    static func path(_ name: String) -> String { directory + "/" + name }

    static func json(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        return try JSONValue.parse([UInt8](data))
    }

    /// f32 values stored as base64 little-endian bytes.
    static func floats(_ value: JSONValue?) -> [Float] {
        guard let text = value?.stringValue, let data = Data(base64Encoded: text) else { return [] }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    static func bytes(_ value: JSONValue?) -> [UInt8] {
        guard let text = value?.stringValue, let data = Data(base64Encoded: text) else { return [] }
        return [UInt8](data)
    }

    static func ints(_ value: JSONValue?) -> [Int] {
        (value?.arrayValue ?? []).compactMap { $0.intValue.map(Int.init) }
    }

    /// The SmolLM2 GGUF when the slow tests are on (TROUPE_SLOW=1); nil otherwise.
    static var slow: Bool { ProcessInfo.processInfo.environment["TROUPE_SLOW"] == "1" }
}

/// The largest absolute difference, printed with a label so test logs show how close we are.
@discardableResult
func maxDifference(_ a: [Float], _ b: [Float], _ label: String) -> Float {
    precondition(a.count == b.count, "\(label): \(a.count) vs \(b.count) values")
    var worst: Float = 0
    for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
    if a.contains(where: \.isNaN) || b.contains(where: \.isNaN) { worst = .nan }
    print("max |difference| \(label): \(worst)")
    return worst
}
