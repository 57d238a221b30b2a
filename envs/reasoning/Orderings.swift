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
    }

    /// The shared enumeration for `n` objects (2 ... 7), built once.
    static func of(_ n: Int) -> Orderings { cache[n - 2] }
    private static let cache: [Orderings] = (2...7).map { Orderings(n: $0) }

    var count: Int { all.count }

    /// The set of every ordering.
    var everything: OrderingSet {
        var set = OrderingSet(count: count)
        for k in 0..<count { set.insert(k) }
        return set
    }

    /// The orderings that satisfy `predicate`.
    func filter(_ predicate: (_ ordering: [UInt8], _ positions: [UInt8]) -> Bool) -> OrderingSet {
        var set = OrderingSet(count: count)
        for k in 0..<count where predicate(all[k], positions[k]) { set.insert(k) }
        return set
    }

    /// The index of an ordering in the enumeration.
    func index(of ordering: [UInt8]) -> Int? { all.firstIndex(of: ordering) }
}

/// A set of orderings as a bitset over `Orderings.all`.
struct OrderingSet: Sendable, Equatable, Hashable {
    private(set) var words: [UInt64]

    init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) / 64) }

    mutating func insert(_ k: Int) { words[k >> 6] |= 1 << UInt64(k & 63) }

    func contains(_ k: Int) -> Bool { words[k >> 6] & (1 << UInt64(k & 63)) != 0 }

    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

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

    /// Whether the ordering matches (glob matching, `??` as `*`).
    func matches(_ ordering: [UInt8]) -> Bool {
        let n = ordering.count
        // reachable[j]: the first i tokens can match the first j objects.
        var reachable = [Bool](repeating: false, count: n + 1)
        reachable[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: n + 1)
            for j in 0...n where reachable[j] {
                switch token {
                case .any:
                    for k in j...n { next[k] = true }
                case .one:
                    if j < n { next[j + 1] = true }
                case .object(let object):
                    if j < n, Int(ordering[j]) == object { next[j + 1] = true }
                }
            }
            reachable = next
        }
        return reachable[n]
    }

    /// The set of orderings it matches.
    func set(in orderings: Orderings) -> OrderingSet { orderings.filter { ordering, _ in matches(ordering) } }

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
    static func strongest(covering set: OrderingSet, in orderings: Orderings) -> (pattern: OrderingPattern, count: Int) {
        let n = orderings.n
        let members = set.members
        var minPos = [Int](repeating: n, count: n)
        var maxPos = [Int](repeating: -1, count: n)
        // before[a][b]: a precedes b in every member; gap bounds for such pairs.
        var before = [[Bool]](repeating: [Bool](repeating: true, count: n), count: n)
        var gapMin = [[Int]](repeating: [Int](repeating: n, count: n), count: n)
        var gapMax = [[Int]](repeating: [Int](repeating: -1, count: n), count: n)
        for k in members {
            let pos = orderings.positions[k]
            for a in 0..<n {
                let pa = Int(pos[a])
                minPos[a] = min(minPos[a], pa)
                maxPos[a] = max(maxPos[a], pa)
                for b in 0..<n where a != b {
                    let pb = Int(pos[b])
                    if pa < pb {
                        gapMin[a][b] = min(gapMin[a][b], pb - pa - 1)
                        gapMax[a][b] = max(gapMax[a][b], pb - pa - 1)
                    } else {
                        before[a][b] = false
                    }
                }
            }
        }
        var best = (pattern: OrderingPattern(tokens: [.any]), count: orderings.count)
        for mask in 1..<(1 << n) {
            var chain = (0..<n).filter { mask & (1 << $0) != 0 }
            chain.sort { minPos[$0] < minPos[$1] }
            guard zip(chain, chain.dropFirst()).allSatisfy({ before[$0][$1] }) else { continue }
            // Segments: before the first, between neighbours, after the last.
            var segments: [(min: Int, exact: Bool)] = [(minPos[chain[0]], minPos[chain[0]] == maxPos[chain[0]])]
            for (a, b) in zip(chain, chain.dropFirst()) { segments.append((gapMin[a][b], gapMin[a][b] == gapMax[a][b])) }
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
