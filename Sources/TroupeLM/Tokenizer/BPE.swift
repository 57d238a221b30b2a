/// GPT-2's byte ↔ character map: byte-level BPE vocabularies spell every byte as a printable
/// character. Bytes `!`…`~`, 0xA1…0xAC and 0xAE…0xFF map to themselves; the other 68 bytes, in
/// increasing order, map to U+0100, U+0101, … (so space is 'Ġ' U+0120 and newline 'Ċ' U+010A).
enum ByteLevel {
    static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s] = UInt8(b) }
        return map
    }()

    /// The vocabulary spelling of raw bytes.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(byteToScalar[Int(b)])!) }
        return String(s)
    }

    /// The raw bytes of a vocabulary spelling, or nil if a character is not a byte-level symbol.
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        for s in text.unicodeScalars {
            guard let b = scalarToByte[s.value] else { return nil }
            out.append(b)
        }
        return out
    }
}

/// The merge table of a byte-level BPE model and the merge loop.
///
/// Merges apply lowest rank first; among equal ranks the leftmost pair merges first (the rule of
/// llama.cpp and HF tokenizers). The loop keeps candidate pairs in a binary heap over a linked
/// list of symbols, so a piece of n bytes costs O(n log n) even for very long pieces.
struct BPEMerges: Sendable {
    /// (left id, right id) packed in a UInt64 → (rank, merged id).
    let table: [UInt64: (rank: Int32, merged: Int32)]

    @inline(__always)
    static func key(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }

    /// Builds the table from "A B" merge strings against a vocabulary (spelling → id). Merges
    /// whose parts or result are not in the vocabulary are skipped, as llama.cpp and HF do.
    init(merges: [String], vocabulary: [String: Int32]) throws {
        var table: [UInt64: (rank: Int32, merged: Int32)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, merge) in merges.enumerated() {
            // Split on the first space after the first character ("Ġ Ġ" and "  x" style merges
            // keep a leading symbol that may itself be a space in odd vocabularies).
            let scalars = Array(merge.unicodeScalars)
            guard scalars.count >= 3, let space = scalars.dropFirst().firstIndex(of: " ") else {
                throw LMError.badTokenizer("merge #\(rank) '\(merge)' is not of the form 'A B'")
            }
            var left = String.UnicodeScalarView(), right = String.UnicodeScalarView()
            left.append(contentsOf: scalars[..<space])
            right.append(contentsOf: scalars[(space + 1)...])
            let l = String(left), r = String(right)
            guard let a = vocabulary[l], let b = vocabulary[r], let m = vocabulary[l + r] else { continue }
            let k = BPEMerges.key(a, b)
            if table[k] == nil { table[k] = (Int32(rank), m) }
        }
        self.table = table
    }

    /// Merges the symbol ids of one piece.
    func apply(_ symbols: [Int32]) -> [Int32] {
        let n = symbols.count
        if n < 2 { return symbols }
        var ids = symbols
        var next = Array(1...n)  // n means none
        var prev = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = PairHeap()
        for i in 0..<(n - 1) {
            if let m = table[BPEMerges.key(ids[i], ids[i + 1])] {
                heap.push(.init(rank: m.rank, left: Int32(i), merged: m.merged, rightID: ids[i + 1], leftID: ids[i]))
            }
        }
        while let top = heap.pop() {
            let i = Int(top.left)
            guard alive[i], next[i] < n else { continue }
            let j = next[i]
            // Stale entry: either side changed since the pair was queued.
            guard ids[i] == top.leftID, ids[j] == top.rightID else { continue }
            ids[i] = top.merged
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { prev[next[j]] = i }
            if prev[i] >= 0, let m = table[BPEMerges.key(ids[prev[i]], ids[i])] {
                heap.push(
                    .init(rank: m.rank, left: Int32(prev[i]), merged: m.merged, rightID: ids[i], leftID: ids[prev[i]]))
            }
            if next[i] < n, let m = table[BPEMerges.key(ids[i], ids[next[i]])] {
                heap.push(.init(rank: m.rank, left: Int32(i), merged: m.merged, rightID: ids[next[i]], leftID: ids[i]))
            }
        }
        var out: [Int32] = []
        var i = 0
        while i < n {
            out.append(ids[i])
            i = next[i]
        }
        return out
    }
}

/// A min-heap of candidate merges ordered by (rank, left position).
struct PairHeap {
    struct Entry {
        var rank: Int32
        var left: Int32
        var merged: Int32
        var rightID: Int32
        var leftID: Int32
        @inline(__always)
        static func < (a: Entry, b: Entry) -> Bool { a.rank < b.rank || (a.rank == b.rank && a.left < b.left) }
    }
    private var items: [Entry] = []

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard items[i] < items[p] else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() -> Entry? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return first
    }
}
