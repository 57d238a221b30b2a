/// A generation request: prompt tokens and how to sample.
public struct GenerationRequest: Sendable {
    public var prompt: [Int]
    public var options: SamplingOptions
    public init(prompt: [Int], options: SamplingOptions) {
        self.prompt = prompt
        self.options = options
    }
}

/// Why a generation ended.
public enum FinishReason: String, Codable, Sendable {
    /// A stop token (the model's end of turn, or one of `stopTokens`) or a stop string.
    case stop
    /// `maxTokens` reached, or the model's context is full.
    case length
}

/// The outcome of a request.
public struct GenerationResult: Sendable {
    /// Generated token ids (the stop token excluded).
    public var tokens: [Int]
    /// Their text, cut before a stop string; invalid UTF-8 repaired with U+FFFD.
    public var text: String
    public var finishReason: FinishReason
    public var promptTokens: Int
}

/// Continuous batching of generation requests over one model: the state machine a server drives.
///
/// `submit` queues a request; each `step` runs one forward pass holding every active sequence's
/// next token plus as much of the waiting prompts as `prefillBudget` allows, samples, and
/// reports what happened. Sequences finish and leave independently, and new requests join at the
/// next step, so many environments waiting for replies share every pass over the weights.
///
/// Invariant: a request's tokens depend only on its prompt, options and seed, never on what else
/// is in the batch (up to float rounding when kernels change with batch size). Not thread-safe:
/// one owner drives it.
public final class BatchDecoder {
    public let model: LanguageModel
    /// The most sequences decoded together.
    public var maxBatch: Int
    /// The most prompt tokens fed in one step.
    public var prefillBudget: Int
    /// Prompts are fed in pieces of at most `min(prefillChunk, prefillBudget)` tokens, cut at fixed
    /// positions (0, n, 2n, …), so how a prompt is split depends only on its length, never on what
    /// else is waiting. A step takes whole pieces while the budget allows (always at least one).
    /// With every product on one kernel path (see `Projector.quantizedTokenLimit`), a request's
    /// tokens are then exactly the same whatever else is in the batch.
    public var prefillChunk: Int
    private let cache: KVCache
    private var nextID = 0
    private var waiting: [Int] = []
    private var active: [Int] = []
    private var states: [Int: State] = [:]
    private let endTokens: Set<Int>

    struct State {
        var request: GenerationRequest
        var sampler: Sampler
        var sequence: Int
        var fed = 0  // prompt tokens in the cache
        var pending: Int?  // sampled but not yet fed
        var generated: [Int] = []
        var bytes: [UInt8] = []
        var finished: GenerationResult?
    }

    /// What a step produced.
    public enum Event: Sendable {
        case token(request: Int, token: Int)
        case finished(request: Int, GenerationResult)
    }

    /// `kvStorage` .f16 halves the cache's memory and follows llama.cpp's arithmetic (see
    /// `KVCache`); .f32 (the default) is exact. `prefillChunk` caps the tokens one prompt feeds per
    /// step, so a long prompt does not stall the running decodes (default: `prefillBudget`).
    public init(
        model: LanguageModel, maxBatch: Int = 64, prefillBudget: Int = 2048, prefillChunk: Int? = nil,
        kvStorage: KVCache.Storage = .f32
    ) {
        self.model = model
        self.maxBatch = max(1, maxBatch)
        self.prefillBudget = max(1, prefillBudget)
        self.prefillChunk = max(1, prefillChunk ?? prefillBudget)
        cache = KVCache(config: model.model.config, storage: kvStorage)
        var ends = Set<Int>()
        if let eos = model.tokenizer.eosID { ends.insert(eos) }
        for text in ["<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>"] {
            if let id = model.tokenizer.id(of: text), model.tokenizer.isSpecial[id] { ends.insert(id) }
        }
        endTokens = ends
    }

    /// Whether nothing is queued or running.
    public var isIdle: Bool { waiting.isEmpty && active.isEmpty }

    /// Queues a request and returns its id. Throws on an empty prompt, ids outside the vocabulary
    /// or a prompt that does not fit the context.
    @discardableResult
    public func submit(_ request: GenerationRequest) throws -> Int {
        try request.options.validate()
        guard !request.prompt.isEmpty else { throw LMError.badRequest("the prompt has no tokens") }
        let V = model.model.config.vocabularySize
        if let bad = request.prompt.first(where: { $0 < 0 || $0 >= V }) {
            throw LMError.badToken(id: bad, vocabularySize: V)
        }
        guard request.prompt.count < model.model.config.contextLength else {
            throw LMError.contextOverflow(needed: request.prompt.count + 1, limit: model.model.config.contextLength)
        }
        let id = nextID
        nextID += 1
        states[id] = State(request: request, sampler: Sampler(options: request.options), sequence: cache.newSequence())
        waiting.append(id)
        return id
    }

    /// Drops a queued or running request and frees its cache; it produces no more events. Returns
    /// whether the request was still known.
    @discardableResult
    public func cancel(_ id: Int) -> Bool {
        guard let s = states.removeValue(forKey: id) else { return false }
        cache.remove(s.sequence)
        waiting.removeAll { $0 == id }
        active.removeAll { $0 == id }
        return true
    }

    /// Runs one forward pass and returns its events.
    public func step() throws -> [Event] {
        var tokens: [Int] = []
        var spans: [Span] = []
        var owners: [(id: Int, completesPrompt: Bool)] = []
        // Decode: one token per active sequence.
        for id in active {
            let s = states[id]!
            spans.append(Span(sequence: s.sequence, start: tokens.count, count: 1, position: cache.length(s.sequence)))
            tokens.append(s.pending!)
            owners.append((id, true))
        }
        // Prefill: waiting prompts, in order, one piece each, within the budget and the batch size.
        let piece = min(prefillChunk, prefillBudget)
        var budget = prefillBudget
        var admitted = 0
        for id in waiting {
            guard active.count + admitted < maxBatch else { break }
            var s = states[id]!
            let n = min(piece, s.request.prompt.count - s.fed)
            guard n <= budget else { break }
            spans.append(Span(sequence: s.sequence, start: tokens.count, count: n, position: s.fed))
            tokens.append(contentsOf: s.request.prompt[s.fed..<(s.fed + n)])
            s.fed += n
            states[id] = s
            owners.append((id, s.fed == s.request.prompt.count))
            budget -= n
            admitted += 1
        }
        guard !tokens.isEmpty else { return [] }
        let rows = owners.indices.filter { owners[$0].completesPrompt }.map { spans[$0].start + spans[$0].count - 1 }
        let logits = try model.model.forward(tokens: tokens, spans: spans, cache: cache, logitRows: rows)
        let V = model.model.config.vocabularySize
        // Sampling reads a whole vocabulary of logits per sequence: the sequences' samplers run
        // in parallel (each its own state), then the tokens are accepted in order.
        let sampling = owners.filter(\.completesPrompt).map(\.id)
        var samplers = sampling.map { states[$0]!.sampler }
        var sampled = [Int](repeating: 0, count: sampling.count)
        samplers.withUnsafeMutableBufferPointer { samplers in
            sampled.withUnsafeMutableBufferPointer { sampled in
                model.model.pool.parallelFor(samplers.count) { row in
                    sampled[row] = samplers[row].sample(logits.data + row * V, count: V)
                }
            }
        }
        var events: [Event] = []
        for (row, id) in sampling.enumerated() {
            states[id]!.sampler = samplers[row]
            let token = sampled[row]
            if let i = waiting.firstIndex(of: id) {
                waiting.remove(at: i)
                active.append(id)
            }
            events.append(contentsOf: accept(token, for: id))
        }
        return events
    }

    /// Records a sampled token and finishes the request when a stop condition holds.
    private func accept(_ token: Int, for id: Int) -> [Event] {
        var s = states[id]!
        let options = s.request.options
        var events: [Event] = []
        var reason: FinishReason?
        if options.maxTokens == 0 {
            reason = .length
        } else if (!options.ignoreEOS && endTokens.contains(token)) || options.stopTokens.contains(token) {
            reason = .stop
        } else {
            s.generated.append(token)
            s.bytes.append(contentsOf: model.tokenizer.bytes(of: token))
            events.append(.token(request: id, token: token))
            if let cut = BatchDecoder.firstStop(options.stop, in: s.bytes) {
                s.bytes.removeSubrange(cut...)
                reason = .stop
            } else if s.generated.count >= options.maxTokens
                || cache.length(s.sequence) + 1 >= model.model.config.contextLength
            {
                reason = .length
            }
        }
        if let reason {
            let result = GenerationResult(
                tokens: s.generated, text: String(decoding: s.bytes, as: UTF8.self), finishReason: reason,
                promptTokens: s.request.prompt.count)
            events.append(.finished(request: id, result))
            cache.remove(s.sequence)
            active.removeAll { $0 == id }
            states[id] = nil
        } else {
            s.pending = token
            states[id] = s
        }
        return events
    }

    /// The byte offset of the earliest stop string in `bytes`, if any.
    static func firstStop(_ stops: [String], in bytes: [UInt8]) -> Int? {
        var best: Int?
        for stop in stops {
            let pattern = Array(stop.utf8)
            guard pattern.count <= bytes.count else { continue }
            var i = 0
            while i + pattern.count <= bytes.count {
                if bytes[i] == pattern[0], Array(bytes[i..<(i + pattern.count)]) == pattern {
                    if best == nil || i < best! { best = i }
                    break
                }
                i += 1
            }
        }
        return best
    }

    /// Runs `requests` to completion together and returns their results in order. `progress` is
    /// called after each step with the number of requests finished.
    public func generate(_ requests: [GenerationRequest], progress: ((Int) -> Void)? = nil) throws -> [GenerationResult]
    {
        let ids = try requests.map { try submit($0) }
        var results: [Int: GenerationResult] = [:]
        while !isIdle {
            for event in try step() {
                if case .finished(let id, let result) = event { results[id] = result }
            }
            progress?(results.count)
        }
        return ids.map { results[$0]! }
    }
}
