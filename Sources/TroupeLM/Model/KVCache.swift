/// The keys and values of every sequence being decoded, per layer, after RoPE.
///
/// Each sequence has its own storage, [L] × [NKV, capacity, hs] for keys and for values, which
/// grows by doubling; sequences come and go independently (a finished rollout frees its memory
/// while others continue). Layout per head is contiguous over positions, so attention reads
/// keys as a [S, hs] matrix.
///
/// `storage` is f32 (the default: exact, what the PyTorch reference computes) or f16 (half the
/// memory, and llama.cpp's arithmetic: it keeps K and V in f16, so attention also rounds queries
/// and probabilities to f16 as ggml's f16 products do; see `Attention`).
///
/// Invariant: positions `0..<length(id)` of a sequence hold valid entries; a forward pass over a
/// span starting at position p requires `p == length(id)` (no holes) and extends it.
/// Not thread-safe: one forward pass at a time uses a cache.
public final class KVCache: @unchecked Sendable {
    /// How keys and values are stored.
    public enum Storage: String, Sendable, CaseIterable {
        case f32
        case f16

        var bytes: Int { self == .f32 ? 4 : 2 }
    }

    public let config: LlamaConfig
    public let storage: Storage

    final class Sequence {
        let storage: Storage
        var length = 0
        var capacity = 0
        var keys: [UnsafeMutableRawPointer] = []  // [L] of [NKV, capacity, hs] of `storage`
        var values: [UnsafeMutableRawPointer] = []

        init(storage: Storage) { self.storage = storage }

        deinit {
            keys.forEach { $0.deallocate() }
            values.forEach { $0.deallocate() }
        }

        /// Keys [S, hs] of KV head g at layer l (f32 or f16 elements).
        @inline(__always)
        func keys(_ l: Int, head g: Int, hs: Int) -> UnsafeMutableRawPointer {
            keys[l] + g * capacity * hs * storage.bytes
        }

        @inline(__always)
        func values(_ l: Int, head g: Int, hs: Int) -> UnsafeMutableRawPointer {
            values[l] + g * capacity * hs * storage.bytes
        }
    }
    private var sequences: [Int: Sequence] = [:]
    private var nextID = 0

    public init(config: LlamaConfig, storage: Storage = .f32) {
        self.config = config
        self.storage = storage
    }

    /// Starts an empty sequence and returns its id.
    public func newSequence() -> Int {
        let id = nextID
        nextID += 1
        sequences[id] = Sequence(storage: storage)
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
        sequences.values.reduce(0) { $0 + 2 * config.layers * config.kvDim * $1.capacity * storage.bytes }
    }

    func sequence(_ id: Int) throws -> Sequence {
        guard let s = sequences[id] else { throw LMError.badRequest("sequence \(id) is not in the KV cache") }
        return s
    }

    /// Makes room for `positions` positions of sequence `s`, copying what it holds.
    func reserve(_ s: Sequence, positions: Int) {
        guard positions > s.capacity else { return }
        let capacity = max(positions, 2 * s.capacity, 64)
        let row = config.headDim * storage.bytes, nkv = config.kvHeads
        func grow(_ old: [UnsafeMutableRawPointer]) -> [UnsafeMutableRawPointer] {
            (0..<config.layers).map { l in
                let fresh = UnsafeMutableRawPointer.allocate(byteCount: nkv * capacity * row, alignment: 64)
                if l < old.count {
                    for g in 0..<nkv {
                        (fresh + g * capacity * row).copyMemory(
                            from: old[l] + g * s.capacity * row, byteCount: s.length * row)
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

    /// Stores k and v [T, NKV, hs] (rows `stride` apart) of layer `layer` at positions
    /// `start..<start+T`, rounding to f16 when the cache holds f16.
    func store(
        _ s: Sequence, layer: Int, start: Int, k: UnsafePointer<Float>, v: UnsafePointer<Float>, tokens T: Int,
        stride: Int
    ) {
        let hs = config.headDim, nkv = config.kvHeads
        for t in 0..<T {
            for g in 0..<nkv {
                let position = (start + t) * hs
                let keys = s.keys(layer, head: g, hs: hs), values = s.values(layer, head: g, hs: hs)
                let kt = k + t * stride + g * hs, vt = v + t * stride + g * hs
                switch storage {
                case .f32:
                    keys.assumingMemoryBound(to: Float.self).advanced(by: position).update(from: kt, count: hs)
                    values.assumingMemoryBound(to: Float.self).advanced(by: position).update(from: vt, count: hs)
                case .f16:
                    Kernels.best.toHalf(kt, keys.assumingMemoryBound(to: UInt16.self) + position, hs)
                    Kernels.best.toHalf(vt, values.assumingMemoryBound(to: UInt16.self) + position, hs)
                }
            }
        }
    }
}
