import Foundation
import TroupeCore
import TroupeLM

@testable import TroupeTrain

/// Paths and helpers shared by the trainer's tests.
enum Fixtures {
    /// `Tests/TroupeTrainTests/Fixtures` (written by `scripts/reference/train_reference.py`).
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures"
    ).path

    static func path(_ name: String) -> String { directory + "/" + name }

    static func json(_ name: String) throws -> JSONValue {
        try JSONValue.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))))
    }

    /// f32 values stored as base64 little-endian bytes.
    static func floats(_ value: JSONValue?) -> [Float] {
        guard let text = value?.stringValue, let data = Data(base64Encoded: text) else { return [] }
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    static func ints(_ value: JSONValue?) -> [Int] {
        (value?.arrayValue ?? []).compactMap { $0.intValue.map(Int.init) }
    }

    /// The tiny random Llama (HF safetensors, f32), loaded fresh (tests change its adapters).
    static func tinyModel() throws -> LanguageModel { try LanguageModel.load(path("tiny-llama")) }

    static var slow: Bool { ProcessInfo.processInfo.environment["TROUPE_SLOW"] == "1" }

    /// A fresh temporary directory.
    static func temporaryDirectory(_ label: String) -> String {
        let dir = NSTemporaryDirectory() + "troupe-train-\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Trains DPO (three epochs, batches of 4) on `train` and returns the held-out margin and accuracy
/// before and after, printed with `label`.
func dpoHeldOutRun(
    _ lm: LanguageModel, lora: LoRAModel, beta: Double, labelSmoothing: Double = 0, learningRate: Double,
    train: [PreferenceExample], held: [PreferenceExample], _ label: String
) throws -> (before: StepRecord, after: StepRecord) {
    let config = try DPOConfig(beta: beta, labelSmoothing: labelSmoothing)
    var c = TrainerConfig(learningRate: learningRate)
    c.epochs = 3
    c.batchSize = 4
    let trainer = try Trainer(
        objective: DPOObjective(model: lm.model, lora: lora, config: config), model: lm.model, lora: lora,
        examples: train, evalExamples: held, config: c)
    let before = try trainer.evaluate(held)
    try trainer.train()
    let after = trainer.evaluations.last!
    print(
        "\(label) held-out margin \(before["eval_rewards/margins"]!) → \(after["eval_rewards/margins"]!), accuracy \(before["eval_rewards/accuracies"]!) → \(after["eval_rewards/accuracies"]!)"
    )
    return (before, after)
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

/// Deterministic pseudo-random floats in [-scale, scale).
func randomFloats(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SeededRNG(seed: seed)
    return (0..<n).map { _ in Float(rng.double() * 2 - 1) * scale }
}

/// Central finite differences of `loss` with respect to every element of `buffer`, compared with
/// `analytic`; returns the worst error relative to max(1, |analytic|max) scale.
func finiteDifferenceError(
    _ buffer: UnsafeMutablePointer<Float>, count: Int, analytic: [Float], eps: Float = 1e-2, _ label: String,
    every step: Int = 1, loss: () throws -> Double
) rethrows -> Double {
    var worst = 0.0
    let scale = Double(analytic.map { abs($0) }.max() ?? 0) + 1e-3
    for i in stride(from: 0, to: count, by: step) {
        let saved = buffer[i]
        buffer[i] = saved + eps
        let plus = try loss()
        buffer[i] = saved - eps
        let minus = try loss()
        buffer[i] = saved
        let numeric = (plus - minus) / (2 * Double(eps))
        worst = max(worst, abs(numeric - Double(analytic[i])) / scale)
    }
    print("finite differences \(label): worst error \(worst) of scale \(scale)")
    return worst
}

/// Σ r ⊙ y in f64: the scalar loss the layer checks differentiate.
func project(_ y: UnsafePointer<Float>, _ r: [Float]) -> Double {
    var s = 0.0
    for i in r.indices { s += Double(y[i]) * Double(r[i]) }
    return s
}
