import Foundation

/// Per-token log-probabilities of given text: what DPO, reward modelling and evaluation need.
extension LlamaModel {
    /// `result[i][t]` = log p(sequences[i][t] | sequences[i][..<t]) for t ≥ 1 (`result[i][0]` is
    /// 0: the first token has no context). Sequences run together in passes of at most
    /// `tokenBudget` tokens; the vocabulary projection runs in chunks, so memory stays at
    /// O(chunk · V) however long the texts are.
    public func tokenLogProbs(_ sequences: [[Int]], tokenBudget: Int = 4096) throws -> [[Float]] {
        var results = [[Float]](repeating: [], count: sequences.count)
        var i = 0
        while i < sequences.count {
            // Pack whole sequences into one pass.
            var batch: [Int] = []
            var total = 0
            while i < sequences.count, batch.isEmpty || total + sequences[i].count <= tokenBudget {
                guard !sequences[i].isEmpty else { throw LMError.badRequest("sequence \(i) has no tokens") }
                batch.append(i)
                total += sequences[i].count
                i += 1
            }
            let cache = KVCache(config: config)
            var tokens: [Int] = []
            var spans: [Span] = []
            for index in batch {
                let id = cache.newSequence()
                spans.append(Span(sequence: id, start: tokens.count, count: sequences[index].count, position: 0))
                tokens.append(contentsOf: sequences[index])
            }
            let hidden = try hiddenStates(tokens: tokens, spans: spans, cache: cache)
            // Row r predicts token r+1 of the same span.
            var rows: [Int] = []
            var targets: [Int] = []
            for span in spans where span.count > 1 {
                for t in 0..<(span.count - 1) {
                    rows.append(span.start + t)
                    targets.append(tokens[span.start + t + 1])
                }
            }
            var values = [Float](repeating: 0, count: tokens.count)
            let chunk = 128
            var c = 0
            while c < rows.count {
                let part = Array(rows[c..<min(rows.count, c + chunk)])
                let logits = self.logits(hidden, rows: part)
                for (j, row) in part.enumerated() {
                    values[row + 1] = LlamaModel.logSoftmax(
                        logits.data + j * config.vocabularySize, count: config.vocabularySize, at: targets[c + j])
                }
                c += chunk
            }
            for (index, span) in zip(batch, spans) {
                results[index] = Array(values[span.start..<(span.start + span.count)])
                results[index][0] = 0
            }
        }
        return results
    }

    /// log softmax(x)[target], computed stably in double.
    static func logSoftmax(_ x: UnsafePointer<Float>, count n: Int, at target: Int) -> Float {
        var m = -Float.infinity
        for i in 0..<n { m = max(m, x[i]) }
        var sum = 0.0
        for i in 0..<n { sum += Foundation.exp(Double(x[i] - m)) }
        return Float(Double(x[target] - m) - Foundation.log(sum))
    }
}
