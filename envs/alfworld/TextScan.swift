/// Byte-wise search in the world's texts, which are ASCII: what the handcoded expert reads every
/// step, without Foundation's Unicode-aware (and much slower) `range(of:)` and
/// `components(separatedBy:)`.
extension StringProtocol {
    /// The first range of `needle` at or after `start`.
    func find(_ needle: String, from start: Index? = nil) -> Range<Index>? {
        let bytes = utf8
        let pattern = Array(needle.utf8)
        guard let first = pattern.first else { return nil }
        var i = start ?? bytes.startIndex
        while i != bytes.endIndex {
            if bytes[i] == first {
                var j = bytes.index(after: i)
                var k = 1
                while k < pattern.count, j != bytes.endIndex, bytes[j] == pattern[k] {
                    bytes.formIndex(after: &j)
                    k += 1
                }
                if k == pattern.count { return i..<j }
            }
            bytes.formIndex(after: &i)
        }
        return nil
    }

    /// The last range of `needle`.
    func findLast(_ needle: String) -> Range<Index>? {
        var last: Range<Index>?
        var from = startIndex
        while let found = find(needle, from: from) {
            last = found
            from = utf8.index(after: found.lowerBound)
        }
        return last
    }

    /// The pieces between occurrences of `separator` (like `components(separatedBy:)`).
    func pieces(_ separator: String) -> [SubSequence] {
        var result: [SubSequence] = []
        var start = startIndex
        while let found = find(separator, from: start) {
            result.append(self[start..<found.lowerBound])
            start = found.upperBound
        }
        result.append(self[start...])
        return result
    }
}
