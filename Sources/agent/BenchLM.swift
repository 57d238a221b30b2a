import ArgumentParser
import Foundation
import TroupeCore
import TroupeLM

extension Agent {
    /// `agent bench-lm`: the engine's speed beside llama.cpp's, in one run.
    struct BenchLM: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-lm",
            abstract: "Measure prompt processing and decode speed, beside llama.cpp on the same model and threads.",
            discussion: """
                Measures, each the best of --repeats runs: prompt processing (one forward pass over \
                --prompt-tokens tokens), decode at batch 1 (--decode-tokens greedy steps), and \
                aggregate decode at each --batch size (that many sequences, different prompts, \
                decoded together). Then runs scripts/bench/llamacpp_bench.py (llama-cpp-python) on \
                the same GGUF and thread count and prints the ratios.
                """)

        @OptionGroup var modelOptions: ModelOptions
        @Option(name: .customLong("prompt-tokens"), help: "Prompt length for prompt processing.") var promptTokens = 256
        @Option(name: .customLong("decode-tokens"), help: "Tokens decoded per sequence.") var decodeTokens = 64
        @Option(help: "Batch sizes for aggregate decode (repeatable).") var batch: [Int] = [8, 32]
        @Option(help: "Runs per measurement; the best is kept.") var repeats = 3
        @Option(name: .customLong("peer-script"), help: "The llama.cpp peer script.") var peerScript =
            "scripts/bench/llamacpp_bench.py"
        @Flag(name: .customLong("no-peer"), help: "Skip llama.cpp.") var noPeer = false
        @Flag(help: "Print the results as JSON.") var json = false
        @Option(
            name: .customLong("quantized-token-limit"),
            help: "Products of at most this many tokens use the quantized kernels (default: the engine's).")
        var quantizedTokenLimit: Int?

        func validate() throws {
            guard promptTokens > 0, decodeTokens > 0, repeats > 0, batch.allSatisfy({ $0 > 0 }) else {
                throw ValidationError("token counts, repeats and batch sizes must be positive")
            }
        }

        func run() async throws {
            var options = modelOptions
            if options.threads == nil { options.threads = 2 }
            let threads = options.threads!
            let lm = try options.load()
            let model = lm.model
            if let quantizedTokenLimit { model.projector.quantizedTokenLimit = quantizedTokenLimit }
            let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 200)
            let prompt = Array(lm.tokenizer.encode(text, parseSpecial: false).prefix(promptTokens))
            guard prompt.count == promptTokens else {
                throw ValidationError("could not make a \(promptTokens)-token prompt")
            }

            func best(_ body: () throws -> Double) rethrows -> Double {
                var value = 0.0
                for _ in 0..<repeats { value = max(value, try body()) }
                return value
            }
            // Prompt processing: one pass, logits of the last token.
            let pp = try best {
                let start = Date()
                _ = try model.forward(
                    tokens: prompt, spans: [Span(sequence: 0, start: 0, count: prompt.count, position: 0)],
                    cache: {
                        let c = KVCache(config: model.config); _ = c.newSequence(); return c
                    }(),
                    logitRows: [prompt.count - 1])
                return Double(prompt.count) / Date().timeIntervalSince(start)
            }
            // Decode: B sequences with distinct 16-token prompts, greedy, EOS ignored; only the
            // decode steps are timed.
            func decode(_ B: Int) throws -> Double {
                try best {
                    let decoder = BatchDecoder(model: lm, maxBatch: B, prefillBudget: 1 << 20)
                    for b in 0..<B {
                        let p = Array(prompt[(b % 200)..<((b % 200) + 16)])
                        let o = try SamplingOptions(maxTokens: decodeTokens + 1, ignoreEOS: true)
                        try decoder.submit(GenerationRequest(prompt: p, options: o))
                    }
                    _ = try decoder.step()  // prefill (and each sequence's first token)
                    var tokens = 0
                    let start = Date()
                    while !decoder.isIdle {
                        tokens += try decoder.step().filter {
                            if case .token = $0 { return true } else { return false }
                        }.count
                    }
                    return Double(tokens) / Date().timeIntervalSince(start)
                }
            }
            let decode1 = try decode(1)
            let batched = try batch.map { ($0, try decode($0)) }

            var peer: (name: String, pp: Double, tg: Double)?
            var peerNote = "skipped (--no-peer)"
            if !noPeer {
                (peer, peerNote) = runPeer(model: try ModelStore.resolve(modelOptions.model), threads: threads)
            }
            if json {
                var object: JSONObject = [
                    "model": .string(model.source), "threads": .number(threads), "prompt_tokens": .number(promptTokens),
                    "prompt_tps": .number(pp), "decode_tps": .number(decode1),
                ]
                for (b, v) in batched { object["decode_batch\(b)_tps"] = .number(v) }
                if let peer {
                    object["peer"] = [
                        "engine": .string(peer.name), "prompt_tps": .number(peer.pp), "decode_tps": .number(peer.tg),
                    ]
                }
                print(JSONValue.object(object).serialized())
                return
            }
            print(
                "model: \(model.source), \(threads) threads, prompt \(promptTokens) tokens, decode \(decodeTokens) tokens"
            )
            print("peer: \(peer?.name ?? peerNote)")
            func row(_ name: String, _ ours: Double, _ theirs: Double?, _ goal: String) {
                let ratio = theirs.map { String(format: "%.2fx", ours / $0) } ?? "-"
                let t = theirs.map { String(format: "%.1f", $0) } ?? "-"
                print(
                    name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: "%10.1f", ours)
                        + t.leftPadded(12) + ratio.leftPadded(9) + "   " + goal)
            }
            print(
                "measure".padding(toLength: 34, withPad: " ", startingAt: 0) + "Troupe t/s".leftPadded(10)
                    + "llama.cpp t/s".leftPadded(14) + "ratio".leftPadded(7) + "   goal")
            row("prompt processing", pp, peer?.pp, "≥ 2x")
            row("decode, batch 1", decode1, peer?.tg, "≥ 1x")
            for (b, v) in batched {
                row(
                    "decode, batch \(b) (aggregate)", v, peer?.tg,
                    b == 32 ? "≥ 5x llama.cpp batch 1" : "vs llama.cpp batch 1")
            }
        }

        /// Runs the llama.cpp peer script; returns its numbers or why there are none.
        func runPeer(model: String, threads: Int) -> ((String, Double, Double)?, String) {
            guard FileManager.default.fileExists(atPath: peerScript) else {
                return (
                    nil, "unavailable: \(peerScript) not found (run from the repository root or pass --peer-script)"
                )
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", peerScript, "--model", model, "--threads", "\(threads)", "--prompt-tokens",
                "\(promptTokens)",
                "--decode-tokens", "\(decodeTokens)", "--repeats", "\(repeats)",
            ]
            let pipe = Pipe()
            process.standardOutput = pipe
            do {
                try process.run()
            } catch {
                return (nil, "unavailable: cannot run python3 (\(error))")
            }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard let value = try? JSONValue.parse([UInt8](data)) else {
                return (nil, "unavailable: the peer script printed no JSON (exit \(process.terminationStatus))")
            }
            if let error = value["error"]?.stringValue { return (nil, "unavailable: \(error)") }
            guard let name = value["engine"]?.stringValue, let pp = value["prompt_tps"]?.doubleValue,
                let tg = value["decode_tps"]?.doubleValue
            else { return (nil, "unavailable: unexpected output \(value.serialized())") }
            return ((name, pp, tg), "")
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
