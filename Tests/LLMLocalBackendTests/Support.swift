import Foundation
import LLMEnv
import LLMLocalBackend
import Synchronization
import Testing
import TroupeCore
import TroupeLM

/// The tiny random Llama of the engine's fixtures (C 64, 2 layers, vocabulary 400, context 128,
/// SmolLM2's chat template), in two encodings.
enum TinyModel {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TroupeLMTests/Fixtures").path

    /// Every weight in f32: every product goes through OpenBLAS.
    static var f32: String { fixtures + "/tiny-llama-f32.gguf" }

    /// The same weights with Q4_1 projections and a Q8_0 embedding, written on first use: every
    /// product goes through the quantized kernels, as with the default SmolLM2 model.
    static func quantized() throws -> String {
        try written.withLock { path in
            if let path { return path }
            let source = try GGUFFile(path: f32)
            var writer = GGUFWriter()
            for key in source.keys { writer.set(key, source.metadata[key]!) }
            for info in source.tensors {
                let values = Array(
                    UnsafeBufferPointer(
                        start: source.data(info).assumingMemoryBound(to: Float.self), count: info.elementCount))
                let type: TensorType =
                    info.shape.count == 1 ? .f32 : info.name == "token_embd.weight" ? .q8_0 : .q4_1
                try writer.addTensor(info.name, shape: info.shape, type: type, values: values)
            }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "troupe-local-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let made = directory.appendingPathComponent("tiny-llama-q4_1.gguf").path
            try writer.write(to: made)
            path = made
            return made
        }
    }
    private static let written = Mutex<String?>(nil)

    /// A backend on `path` with the given settings.
    static func backend(
        _ path: String, maxBatch: Int = 64, contextLength: Int? = nil, prefillBudget: Int = 256
    ) throws -> LocalBackend {
        try LocalBackend(
            config: LocalBackend.Config(
                path: path, threads: 2, maxBatch: maxBatch, contextLength: contextLength, prefillBudget: prefillBudget),
            path: path)
    }
}

/// `llm-v0` with the `local` backend, sessions sharing one `SharedResources` as sessions of one
/// server do.
struct Harness {
    let registry = EnvRegistry([LLMEnv.registration(backends: LLMBackendKind.builtin + [LocalBackend.kind])])
    let shared = SharedResources()

    /// A session already reset with `seed`.
    func session(_ config: JSONValue, seed: UInt64 = 1) async throws -> any Environment {
        let env = try await registry.make("llm-v0", config: config, context: MakeContext(seed: seed, shared: shared))
        _ = try await env.reset(seed: seed, options: .null)
        return env
    }

    /// The `local` backend these sessions share (after one was made).
    func backend() async -> LocalBackend? {
        await shared.all().values.lazy.compactMap { $0 as? LocalBackend }.first
    }
}

/// An `llm-v0` configuration with the `local` backend on `path`.
func localConfig(_ path: String, backend extra: JSONObject = [:], maxTokens: Int = 16) -> JSONValue {
    var backend: JSONObject = ["kind": "local", "path": .string(path), "threads": 2]
    for (key, value) in extra { backend[key] = value }
    return ["backend": .object(backend), "defaults": ["max_tokens": .number(maxTokens)]]
}

/// A prompt request with `max_tokens` and the given options.
func promptRequest(
    _ text: String, maxTokens: Int, temperature: Double = 0, stop: [String] = [], seed: UInt64 = 0,
    extra: JSONObject = [:]
) -> LLMRequest {
    LLMRequest(
        model: "tiny", input: .prompt(text),
        sampling: SamplingParameters(temperature: temperature, maxTokens: maxTokens, stop: stop), extra: extra,
        sampleSeed: seed)
}

/// Runs `body` and returns the error it throws, failing the test when it throws none.
func captureError(
    _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) async -> (any Error)? {
    do {
        try await body()
        Issue.record("expected an error, got none", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// The prompts the tests send: different lengths, so that sequences join and leave at different
/// steps.
let prompts = [
    "The quick brown fox", "Once upon a time, in a land far away, there lived", "Hello", "1 2 3 4 5 6 7 8 9",
    "What is the capital of France?", "A", "The model reads these words and continues them with its own", "Tea",
]

/// A test's wait that ran past its bound.
struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Runs `body` and returns what it returns, or throws `TimedOut` after `seconds` even when
/// `body` never ends (it is then cancelled and left behind): no test of this suite can hang the
/// run, whatever the engine does.
func bounded<T: Sendable>(
    _ what: String = "the test", seconds: Double = 120, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = Race()
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let work = Task {
            let result = await Result { try await body() }
            race.timer.withLock { $0?.cancel() }
            if race.claim() { continuation.resume(with: result) }
        }
        let timer = Task {
            try? await Task.sleep(for: .seconds(seconds))
            guard !Task.isCancelled, race.claim() else { return }
            work.cancel()
            continuation.resume(throwing: TimedOut(description: "\(what) did not end within \(Int(seconds)) s"))
        }
        race.timer.withLock { $0 = timer }
    }
}

/// Who of `bounded`'s body and timer finished first.
private final class Race: Sendable {
    private let done = Mutex(false)
    let timer = Mutex<Task<Void, Never>?>(nil)

    /// True for the first caller only.
    func claim() -> Bool {
        done.withLock { done in
            defer { done = true }
            return !done
        }
    }
}

/// Polls `condition` every millisecond until it holds; throws `TimedOut` after `seconds`.
func waitUntil(_ what: String, seconds: Double = 60, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            throw TimedOut(description: "waited \(Int(seconds)) s for \(what)")
        }
        try await Task.sleep(for: .milliseconds(1))
    }
}

extension Result where Failure == any Error {
    /// The result of an async throwing body.
    init(_ body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
