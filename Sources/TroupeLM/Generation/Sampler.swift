import Foundation
import TroupeCore

/// How to pick each next token, and when to stop. Validated when decoded or made.
///
/// Sampling, exactly (so a seed gives the same tokens on every machine):
/// 1. `temperature == 0`: the most likely token (the lowest id among equal logits). Otherwise:
/// 2. logits are divided by `temperature`;
/// 3. `topK > 0` keeps the k largest (ties broken by lower id);
/// 4. softmax (in double) over what is kept;
/// 5. `topP < 1` keeps the smallest set of most likely tokens whose probability reaches `topP`;
/// 6. with `u = rng.double() · (sum of kept probabilities)`, the token is the first, in order of
///    decreasing probability (ties by lower id), at which the running sum exceeds `u`.
/// The generator is core's `SeededRNG` seeded with `seed`; each request has its own, so results
/// do not depend on what else is in the batch.
public struct SamplingOptions: Codable, Sendable, Equatable {
    /// 0 is greedy.
    public var temperature: Double = 0
    /// 0 keeps every token.
    public var topK: Int = 0
    /// 1 keeps every token.
    public var topP: Double = 1
    /// Tokens to generate at most.
    public var maxTokens: Int = 256
    /// Generation ends when the text contains one of these; the text is cut before it.
    public var stop: [String] = []
    /// Generation ends at these token ids (besides the model's end-of-turn tokens unless
    /// `ignoreEOS`); the token is not part of the text.
    public var stopTokens: [Int] = []
    public var ignoreEOS = false
    public var seed: UInt64 = 0

    public init(
        temperature: Double = 0, topK: Int = 0, topP: Double = 1, maxTokens: Int = 256, stop: [String] = [],
        stopTokens: [Int] = [], ignoreEOS: Bool = false, seed: UInt64 = 0
    ) throws {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.maxTokens = maxTokens
        self.stop = stop
        self.stopTokens = stopTokens
        self.ignoreEOS = ignoreEOS
        self.seed = seed
        try validate()
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? 0
        topK = try c.decodeIfPresent(Int.self, forKey: .topK) ?? 0
        topP = try c.decodeIfPresent(Double.self, forKey: .topP) ?? 1
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? 256
        stop = try c.decodeIfPresent([String].self, forKey: .stop) ?? []
        stopTokens = try c.decodeIfPresent([Int].self, forKey: .stopTokens) ?? []
        ignoreEOS = try c.decodeIfPresent(Bool.self, forKey: .ignoreEOS) ?? false
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        try validate()
    }

    enum CodingKeys: String, CodingKey {
        case temperature, topK = "top_k", topP = "top_p", maxTokens = "max_tokens", stop, stopTokens = "stop_tokens"
        case ignoreEOS = "ignore_eos", seed
    }

    public func validate() throws {
        guard temperature >= 0, temperature.isFinite else {
            throw LMError.badRequest("temperature must be 0 (greedy) or positive, found \(temperature)")
        }
        guard topK >= 0 else { throw LMError.badRequest("top_k must be 0 (off) or positive, found \(topK)") }
        guard topP > 0, topP <= 1 else { throw LMError.badRequest("top_p must be in (0, 1], found \(topP)") }
        guard maxTokens >= 0 else { throw LMError.badRequest("max_tokens must not be negative, found \(maxTokens)") }
        guard !stop.contains(where: \.isEmpty) else { throw LMError.badRequest("stop strings must not be empty") }
    }
}

/// Picks tokens from logits as `SamplingOptions` describes. One sampler per request (it holds the
/// request's random generator).
public struct Sampler: Sendable {
    public let options: SamplingOptions
    public private(set) var rng: SeededRNG

    public init(options: SamplingOptions) {
        self.options = options
        rng = SeededRNG(seed: options.seed)
    }

    /// The next token from logits [V].
    public mutating func sample(_ logits: UnsafePointer<Float>, count V: Int) -> Int {
        if options.temperature == 0 { return Sampler.argmax(logits, count: V) }
        let inverseT = 1 / options.temperature
        // Candidates in order of decreasing logit (ties: lower id first), as many as needed.
        var candidates: [Int]
        if options.topK > 0 {
            candidates = Sampler.top(logits, count: V, k: min(options.topK, V))
        } else if options.topP < 1 {
            candidates = Sampler.top(logits, count: V, k: min(V, 64))
        } else {
            candidates = Array(0..<V)
        }
        var maxLogit = -Float.infinity
        for i in 0..<V { maxLogit = max(maxLogit, logits[i]) }
        func weight(_ i: Int) -> Double { Foundation.exp((Double(logits[i]) - Double(maxLogit)) * inverseT) }
        // The normalizer is over every token kept by top-k (all tokens when top-k is off).
        let total = options.topK > 0 ? candidates.reduce(0) { $0 + weight($1) } : (0..<V).reduce(0) { $0 + weight($1) }
        var kept = candidates
        if options.topP < 1 {
            // The index at which the running probability reaches top-p, if it does.
            func cutoff(_ list: [Int]) -> Int? {
                var cumulative = 0.0
                for (n, i) in list.enumerated() {
                    cumulative += weight(i) / total
                    if cumulative >= options.topP { return n }
                }
                return nil
            }
            var cut = cutoff(candidates)
            if cut == nil, options.topK == 0 {
                // The first candidates were not enough: order every token and cut again.
                candidates = Sampler.top(logits, count: V, k: V)
                cut = cutoff(candidates)
            }
            kept = cut.map { Array(candidates[...$0]) } ?? candidates
        }
        let keptTotal = kept.reduce(0) { $0 + weight($1) }
        let u = rng.double() * keptTotal
        var running = 0.0
        for i in kept {
            running += weight(i)
            if running > u { return i }
        }
        return kept.last ?? Sampler.argmax(logits, count: V)
    }

    /// The index of the largest value (the lowest among equals); NaN never wins.
    public static func argmax(_ x: UnsafePointer<Float>, count n: Int) -> Int {
        var best = 0
        var value = -Float.infinity
        for i in 0..<n where x[i] > value {
            value = x[i]
            best = i
        }
        return best
    }

    /// The indices of the k largest values, in decreasing order (ties: lower index first).
    static func top(_ x: UnsafePointer<Float>, count n: Int, k: Int) -> [Int] {
        if k >= n {
            return (0..<n).sorted { x[$0] > x[$1] || (x[$0] == x[$1] && $0 < $1) }
        }
        // A bounded selection: keep the best k seen so far, sorted.
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        func better(_ a: Int, _ b: Int) -> Bool { x[a] > x[b] || (x[a] == x[b] && a < b) }
        for i in 0..<n {
            if best.count == k, !better(i, best[k - 1]) { continue }
            var lo = 0, hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if better(best[mid], i) { lo = mid + 1 } else { hi = mid }
            }
            best.insert(i, at: lo)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
