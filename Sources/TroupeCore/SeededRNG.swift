/// The random number generator of every session: xoshiro256** (Blackman and Vigna, 2018), seeded
/// through SplitMix64, with every derived operation (bounded integers, doubles, shuffles, choices)
/// defined here bit for bit.
///
/// Why not Swift's `RandomNumberGenerator` helpers: `Int.random(in:using:)`, `shuffled(using:)`
/// and friends are free to change their algorithms between Swift versions, so episodes drawn with
/// them would change with the compiler. Everything here is fixed, documented and tested against
/// known values, so a seed gives byte-identical episodes on any machine and in any future version.
/// For that reason the type deliberately does *not* conform to `RandomNumberGenerator`.
///
/// The algorithm, for anyone re-implementing it:
/// - Seeding: `s[i] = splitmix64(&x)` for i in 0..<4 with `x = seed`, where splitmix64 adds
///   0x9E3779B97F4A7C15 to x and returns `z = x; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
///   z = (z ^ (z >> 27)) * 0x94D049BB133111EB; z ^ (z >> 31)` (wrapping arithmetic).
/// - `next()`: xoshiro256** as published: `result = rotl(s1 * 5, 7) * 9`, then the state update.
/// - `below(n)`: Lemire's multiply-shift with rejection: `m = next() * n` as a 128-bit product;
///   if `low(m) < n` compute `t = (0 - n) % n` and redraw while `low(m) < t`; return `high(m)`.
/// - `double()`: `Double(next() >> 11) * 2^-53`, uniform on [0, 1).
/// - `shuffle`: Fisher–Yates from the last index down: for i = n-1 … 1, swap i with `below(i+1)`.
/// - `derived(_ label)`: a child generator seeded with `next() ^ fnv1a64(label)`; it advances the
///   parent by one draw.
///
/// Invariant: a value type; copying it copies the stream (two copies produce the same numbers).
public struct SeededRNG: Sendable, Hashable, Codable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator seeded with `seed` as described above.
    public init(seed: UInt64) {
        var x = seed
        s0 = SeededRNG.splitMix64(&x)
        s1 = SeededRNG.splitMix64(&x)
        s2 = SeededRNG.splitMix64(&x)
        s3 = SeededRNG.splitMix64(&x)
    }

    /// SplitMix64 (Steele, Lea and Flood, 2014): advances `state` and returns the next output.
    public static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a, 64-bit, over the UTF-8 bytes of `text`: a stable hash for deriving streams from
    /// names (Swift's `Hasher` is randomized per process and must not be used for that).
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = SeededRNG.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = SeededRNG.rotl(s3, 45)
        return result
    }

    /// A uniform integer in `0..<bound`. `bound` must be positive.
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "SeededRNG.below needs a positive bound")
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold {
                m = next().multipliedFullWidth(by: bound)
            }
        }
        return m.high
    }

    /// A uniform integer in the range. The range must not be empty.
    public mutating func int(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "SeededRNG.int(in:) needs a non-empty range")
        let width = UInt64(bitPattern: Int64(range.upperBound) &- Int64(range.lowerBound))
        return range.lowerBound &+ Int(truncatingIfNeeded: below(width))
    }

    /// A uniform integer in the closed range.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(bitPattern: Int64(range.upperBound) &- Int64(range.lowerBound)) &+ 1
        if width == 0 { return Int(truncatingIfNeeded: next()) }  // the whole 64-bit range
        return range.lowerBound &+ Int(truncatingIfNeeded: below(width))
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func double() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// `true` with probability `p` (clamped to [0, 1]).
    public mutating func chance(_ p: Double) -> Bool {
        double() < p
    }

    /// A uniformly chosen element, or `nil` for an empty collection. The generic draws are inlinable
    /// so that callers in other modules get them specialized (unspecialized, `element(of:)` boxed its
    /// result: an allocation per call).
    @inlinable
    public mutating func element<C: Collection>(of collection: C) -> C.Element? {
        guard !collection.isEmpty else { return nil }
        let offset = int(in: 0..<collection.count)
        return collection[collection.index(collection.startIndex, offsetBy: offset)]
    }

    /// Shuffles in place (Fisher–Yates, from the last index down).
    @inlinable
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = Int(below(UInt64(i + 1)))
            if i != j { array.swapAt(i, j) }
        }
    }

    /// A shuffled copy.
    @inlinable
    public mutating func shuffled<T>(_ array: [T]) -> [T] {
        var copy = array
        shuffle(&copy)
        return copy
    }

    /// `count` distinct elements in random order (a prefix of a shuffle); all of them if fewer.
    @inlinable
    public mutating func sample<T>(_ array: [T], count: Int) -> [T] {
        Array(shuffled(array).prefix(max(0, count)))
    }

    /// An index drawn with probability proportional to `weights` (non-negative, not all zero).
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0, "SeededRNG.weightedIndex needs a positive total weight")
        var target = double() * total
        for (index, weight) in weights.enumerated() {
            target -= weight
            if target < 0 { return index }
        }
        return weights.lastIndex(where: { $0 > 0 })!
    }

    /// A child generator for an independent stream named `label` (see the type's documentation).
    /// Advances this generator by one draw.
    public mutating func derived(_ label: String) -> SeededRNG {
        SeededRNG(seed: next() ^ SeededRNG.fnv1a64(label))
    }

    /// The state as 64 hexadecimal digits (s0 s1 s2 s3, each 16 digits, big-endian): JSON numbers
    /// cannot carry 64 unsigned bits exactly, strings can.
    public var stateHex: String {
        [s0, s1, s2, s3].map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// A generator in the state given by `stateHex`, or nil if the text is not such a state.
    public init?(stateHex: String) {
        guard stateHex.utf8.count == 64 else { return nil }
        var words: [UInt64] = []
        var index = stateHex.startIndex
        for _ in 0..<4 {
            let end = stateHex.index(index, offsetBy: 16)
            guard let word = UInt64(stateHex[index..<end], radix: 16) else { return nil }
            words.append(word)
            index = end
        }
        guard words.contains(where: { $0 != 0 }) else { return nil }  // the all-zero state is a fixed point
        (s0, s1, s2, s3) = (words[0], words[1], words[2], words[3])
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let rng = SeededRNG(stateHex: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a random generator state (64 hex digits)"))
        }
        self = rng
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(stateHex)
    }

    /// The stream named `label` of the generator seeded with `seed`: the same as
    /// `SeededRNG(seed: seed).derived(label)`. Use it to give two consumers of one seed (an
    /// environment and the policy that samples its actions) independent streams.
    public init(seed: UInt64, stream label: String) {
        var base = SeededRNG(seed: seed)
        self = base.derived(label)
    }

    /// A fresh seed from the operating system's entropy, for sessions made without one.
    public static func entropySeed() -> UInt64 {
        var system = SystemRandomNumberGenerator()
        return system.next() >> 1  // below 2^63, so it is a non-negative JSON integer
    }
}
