/// All orderings of n objects and sets of them, for the logical-deduction solver and verifier.
///
/// An ordering lists object indices by position (position 0 is the start: left, top, oldest,
/// cheapest). A set of orderings is a bitset over the n! orderings in a fixed enumeration, so that
/// "what two statements allow together" is a bitwise AND and "does this follow" is a subset test.
struct Orderings: Sendable {
    let n: Int
    /// `all[k][position]` is the object at `position` in ordering k.
    let all: [[UInt8]]
    /// `positions[k][object]` is where `object` stands in ordering k.
    let positions: [[UInt8]]

    private init(n: Int) {
        self.n = n
        var result: [[UInt8]] = []
        var current: [UInt8] = []
        var used = [Bool](repeating: false, count: n)
        func extend() {
            if current.count == n {
                result.append(current)
                return
            }
            for object in 0..<n where !used[object] {
                used[object] = true
                current.append(UInt8(object))
                extend()
                current.removeLast()
                used[object] = false
            }
        }
        extend()
        all = result
        positions = result.map { ordering in
            var inverse = [UInt8](repeating: 0, count: n)
            for (position, object) in ordering.enumerated() { inverse[Int(object)] = UInt8(position) }
            return inverse
        }
        var before = [OrderingSet](repeating: OrderingSet(count: result.count), count: n * n)
        var at = [OrderingSet](repeating: OrderingSet(count: result.count), count: n * n)
        for (k, pos) in positions.enumerated() {
            for a in 0..<n {
                at[a * n + Int(pos[a])].insert(k)
                for b in 0..<n where pos[a] < pos[b] { before[a * n + b].insert(k) }
            }
        }
        beforeSets = before
        atSets = at
        flatPositions = positions.flatMap { $0 }
        var all = OrderingSet(count: result.count)
        for k in 0..<result.count { all.insert(k) }
        everything = all
    }

    /// `positions` in one array: object o of ordering k at `k * n + o`.
    let flatPositions: [UInt8]
    /// The set of every ordering.
    let everything: OrderingSet

    /// Orderings where a precedes b, at `a * n + b`.
    private let beforeSets: [OrderingSet]
    /// Orderings with object o at position p, at `o * n + p`.
    private let atSets: [OrderingSet]

    func before(_ a: Int, _ b: Int) -> OrderingSet { beforeSets[a * n + b] }
    func at(_ object: Int, _ position: Int) -> OrderingSet { atSets[object * n + position] }

    /// The shared enumeration for `n` objects (2 ... 7), built once.
    static func of(_ n: Int) -> Orderings { cache[n - 2] }
    private static let cache: [Orderings] = (2...7).map { Orderings(n: $0) }

    var count: Int { all.count }
}

/// A set of orderings as a bitset over `Orderings.all`.
struct OrderingSet: Sendable, Equatable, Hashable {
    private(set) var words: [UInt64]

    init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) / 64) }

    mutating func insert(_ k: Int) { words[k >> 6] |= 1 << UInt64(k & 63) }

    func contains(_ k: Int) -> Bool { words[k >> 6] & (1 << UInt64(k & 63)) != 0 }

    var count: Int {
        var total = 0
        for word in words { total += word.nonzeroBitCount }
        return total
    }

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    static func & (a: OrderingSet, b: OrderingSet) -> OrderingSet {
        var result = a
        for i in result.words.indices { result.words[i] &= b.words[i] }
        return result
    }

    func isSubset(of other: OrderingSet) -> Bool { zip(words, other.words).allSatisfy { $0 & ~$1 == 0 } }

    /// The members, in enumeration order.
    var members: [Int] {
        var result: [Int] = []
        for (i, word) in words.enumerated() where word != 0 {
            var w = word
            while w != 0 {
                result.append(i * 64 + w.trailingZeroBitCount)
                w &= w - 1
            }
        }
        return result
    }

    /// The first member not in `other`, if any.
    func firstMember(notIn other: OrderingSet) -> Int? {
        for (i, (a, b)) in zip(words, other.words).enumerated() where a & ~b != 0 {
            return i * 64 + (a & ~b).trailingZeroBitCount
        }
        return nil
    }
}

/// An ordering pattern in TriPosT's notation: between the two end labels, object names, `?` for
/// exactly one object and `??` for zero or more, as in `(left) ? ? raven ?? (right)`. A pattern
/// stands for the orderings it matches like a glob.
struct OrderingPattern: Sendable, Equatable, Hashable {
    enum Token: Sendable, Equatable, Hashable {
        case object(Int)
        case one
        case any
    }

    var tokens: [Token]

    /// Whether the ordering whose inverse starts at `positions[base]` matches (glob matching,
    /// `??` as `*`). Bit j of `reachable` says the tokens so far can match the first j objects.
    func matches(positions: UnsafeBufferPointer<UInt8>, base: Int, n: Int) -> Bool {
        let full: UInt32 = (1 << UInt32(n + 1)) - 1
        var reachable: UInt32 = 1
        for token in tokens {
            switch token {
            case .any: reachable = full & ~((reachable & (0 &- reachable)) &- 1)
            case .one: reachable = (reachable << 1) & full
            case .object(let object): reachable = (reachable & (1 << UInt32(positions[base + object]))) << 1
            }
            if reachable == 0 { return false }
        }
        return reachable & (1 << UInt32(n)) != 0
    }

    /// The set of orderings it matches.
    func set(in orderings: Orderings) -> OrderingSet {
        var set = OrderingSet(count: orderings.count)
        let n = orderings.n
        orderings.flatPositions.withUnsafeBufferPointer { positions in
            for k in 0..<orderings.count where matches(positions: positions, base: k * n, n: n) { set.insert(k) }
        }
        return set
    }

    /// Written out with the names and end labels: `(left) ?? owl ?? falcon ?? (right)`.
    func render(names: [String], ends: (String, String)) -> String {
        let body = tokens.map { token -> String in
            switch token {
            case .object(let object): return names[object]
            case .one: return "?"
            case .any: return "??"
            }
        }
        return (["(\(ends.0))"] + body + ["(\(ends.1))"]).joined(separator: " ")
    }

    /// Reads a pattern; the end labels are optional; names may have several words (`blue jay`).
    /// Nil when a word is neither a name nor `?`/`??`.
    static func parse(_ text: String, names: [String], ends: (String, String)) -> OrderingPattern? {
        var body = text.trimmingSpaces()
        for label in ["(\(ends.0))", "(left)", "(above)"] where body.lowercased().hasPrefix(label.lowercased()) {
            body = String(body.dropFirst(label.count))
            break
        }
        for label in ["(\(ends.1))", "(right)", "(below)"] where body.lowercased().hasSuffix(label.lowercased()) {
            body = String(body.dropLast(label.count))
            break
        }
        let words = body.split(separator: " ").map(String.init)
        var tokens: [Token] = []
        var i = 0
        let lowered = names.map { $0.lowercased().split(separator: " ").map(String.init) }
        while i < words.count {
            if words[i] == "??" {
                tokens.append(.any)
                i += 1
                continue
            }
            if words[i] == "?" {
                tokens.append(.one)
                i += 1
                continue
            }
            // The longest name starting here.
            var best: (object: Int, length: Int)?
            for (object, parts) in lowered.enumerated() where i + parts.count <= words.count {
                if words[i..<(i + parts.count)].map({ $0.lowercased() }) == parts, parts.count > (best?.length ?? 0) {
                    best = (object, parts.count)
                }
            }
            guard let best else { return nil }
            tokens.append(.object(best.object))
            i += best.length
        }
        return OrderingPattern(tokens: tokens)
    }

    /// The strongest pattern that every ordering of `set` matches, found over chains: objects whose
    /// relative order is the same in all of `set`, with the fewest gaps each chain allows. Returns
    /// the pattern and how many orderings it matches (counted in closed form).
    static func strongest(covering set: OrderingSet, in orderings: Orderings) -> (pattern: OrderingPattern, count: Int)
    {
        let n = orderings.n
        var minPos = [Int](repeating: n, count: n)
        var maxPos = [Int](repeating: -1, count: n)
        // For a pair (a, b) at a * n + b: whether a precedes b in every member, and the gap bounds.
        var before = [Bool](repeating: true, count: n * n)
        var gapMin = [Int](repeating: n, count: n * n)
        var gapMax = [Int](repeating: -1, count: n * n)
        for k in set.members {
            let pos = orderings.positions[k]
            for a in 0..<n {
                let pa = Int(pos[a])
                if pa < minPos[a] { minPos[a] = pa }
                if pa > maxPos[a] { maxPos[a] = pa }
                for b in 0..<n where a != b {
                    let pb = Int(pos[b])
                    let pair = a * n + b
                    if pa < pb {
                        if pb - pa - 1 < gapMin[pair] { gapMin[pair] = pb - pa - 1 }
                        if pb - pa - 1 > gapMax[pair] { gapMax[pair] = pb - pa - 1 }
                    } else {
                        before[pair] = false
                    }
                }
            }
        }
        var best = (pattern: OrderingPattern(tokens: [.any]), count: orderings.count)
        for mask in 1..<(1 << n) {
            var chain = (0..<n).filter { mask & (1 << $0) != 0 }
            chain.sort { minPos[$0] < minPos[$1] }
            guard zip(chain, chain.dropFirst()).allSatisfy({ before[$0 * n + $1] }) else { continue }
            // Segments: before the first, between neighbours, after the last.
            var segments: [(min: Int, exact: Bool)] = [(minPos[chain[0]], minPos[chain[0]] == maxPos[chain[0]])]
            for (a, b) in zip(chain, chain.dropFirst()) {
                segments.append((gapMin[a * n + b], gapMin[a * n + b] == gapMax[a * n + b]))
            }
            let last = chain.last!
            segments.append((n - 1 - maxPos[last], minPos[last] == maxPos[last]))
            var tokens: [Token] = []
            for (index, segment) in segments.enumerated() {
                tokens += [Token](repeating: .one, count: segment.min)
                if !segment.exact { tokens.append(.any) }
                if index < chain.count { tokens.append(.object(chain[index])) }
            }
            let count = matchCount(segments: segments, named: chain.count, n: n)
            if count < best.count || (count == best.count && tokens.count < best.pattern.tokens.count) {
                best = (OrderingPattern(tokens: tokens), count)
            }
        }
        return best
    }

    /// How many orderings of n objects a chain pattern matches: the unnamed objects fill the
    /// segments (each at least its minimum, exactly it where exact) in every order.
    static func matchCount(segments: [(min: Int, exact: Bool)], named: Int, n: Int) -> Int {
        let free = segments.filter { !$0.exact }.count
        let rest = n - named - segments.reduce(0) { $0 + $1.min }
        guard rest >= 0 else { return 0 }
        let placements = free == 0 ? (rest == 0 ? 1 : 0) : binomial(rest + free - 1, free - 1)
        return placements * (1...max(1, n - named)).reduce(1, *)
    }

    static func binomial(_ n: Int, _ k: Int) -> Int {
        guard k >= 0, k <= n else { return 0 }
        var result = 1
        for i in 0..<k { result = result * (n - i) / (i + 1) }
        return result
    }
}
