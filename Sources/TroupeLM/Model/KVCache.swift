/// The keys and values of every sequence being decoded, per layer, after RoPE.
///
/// Each sequence has its own storage, [L] × [NKV, capacity, hs] for keys and for values, which
/// grows by doubling; sequences come and go independently (a finished rollout frees its memory
/// while others continue). Layout per head is contiguous over positions, so attention reads
/// keys as a [S, hs] matrix.
///
/// Invariant: positions `0..<length(id)` of a sequence hold valid entries; a forward pass over a
/// span starting at position p requires `p == length(id)` (no holes) and extends it.
/// Not thread-safe: one forward pass at a time uses a cache.
public final class KVCache: @unchecked Sendable {
    public let config: LlamaConfig
    final class Sequence {
        var length = 0
        var capacity = 0
        var keys: [UnsafeMutablePointer<Float>] = []  // [L] of [NKV, capacity, hs]
        var values: [UnsafeMutablePointer<Float>] = []
        deinit {
            keys.forEach { $0.deallocate() }
            values.forEach { $0.deallocate() }
        }
    }
    private var sequences: [Int: Sequence] = [:]
    private var nextID = 0

    public init(config: LlamaConfig) { self.config = config }

    /// Starts an empty sequence and returns its id.
    public func newSequence() -> Int {
        let id = nextID
        nextID += 1
        sequences[id] = Sequence()
        return id
    }

    /// Frees a sequence.
    public func remove(_ id: Int) { sequences[id] = nil }

    /// Removes every sequence.
    public func removeAll() { sequences.removeAll() }

    /// Positions stored for a sequence (0 for an unknown id).
    public func length(_ id: Int) -> Int { sequences[id]?.length ?? 0 }

    /// Forgets positions from `length` on (to retry or branch from an earlier point).
    public func truncate(_ id: Int, to length: Int) {
        guard let s = sequences[id] else { return }
        s.length = max(0, min(s.length, length))
    }

    /// The ids of the live sequences.
    public var ids: [Int] { sequences.keys.sorted() }

    /// Bytes held by all sequences.
    public var bytes: Int {
        sequences.values.reduce(0) { $0 + 2 * config.layers * config.kvDim * $1.capacity * 4 }
    }

    func sequence(_ id: Int) throws -> Sequence {
        guard let s = sequences[id] else { throw LMError.badRequest("sequence \(id) is not in the KV cache") }
        return s
    }

    /// Makes room for `positions` positions of sequence `s`, copying what it holds.
    func reserve(_ s: Sequence, positions: Int) {
        guard positions > s.capacity else { return }
        let capacity = max(positions, 2 * s.capacity, 64)
        let hs = config.headDim, nkv = config.kvHeads
        func grow(_ old: [UnsafeMutablePointer<Float>]) -> [UnsafeMutablePointer<Float>] {
            (0..<config.layers).map { l in
                let fresh = UnsafeMutablePointer<Float>.allocate(capacity: nkv * capacity * hs)
                if l < old.count {
                    for g in 0..<nkv {
                        (fresh + g * capacity * hs).update(from: old[l] + g * s.capacity * hs, count: s.length * hs)
                    }
                    old[l].deallocate()
                }
                return fresh
            }
        }
        s.keys = grow(s.keys)
        s.values = grow(s.values)
        s.capacity = capacity
    }

    /// Stores k and v [T, NKV, hs] of layer `layer` at positions `start..<start+T`.
    func store(
        _ s: Sequence, layer: Int, start: Int, k: UnsafePointer<Float>, v: UnsafePointer<Float>, tokens T: Int,
        stride: Int
    ) {
        let hs = config.headDim, nkv = config.kvHeads
        for t in 0..<T {
            for g in 0..<nkv {
                let destination = (start + t) * hs + g * s.capacity * hs
                (s.keys[layer] + destination).update(from: k + t * stride + g * hs, count: hs)
                (s.values[layer] + destination).update(from: v + t * stride + g * hs, count: hs)
            }
        }
    }
}
