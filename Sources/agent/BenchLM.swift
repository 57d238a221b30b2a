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
        @Option(name: .customLong("kv-cache"), help: "KV cache storage: f32 or f16 (llama.cpp's).")
        var kvCache: KVCache.Storage = .f32
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
            let text = String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 400)
            let stream = lm.tokenizer.encode(text, parseSpecial: false)
            let prompt = Array(stream.prefix(promptTokens))
            guard prompt.count == promptTokens, let largest = batch.max(), 7 * largest + 16 <= stream.count else {
                throw ValidationError(
                    "prompts are cut from a \(stream.count)-token text: use --prompt-tokens ≤ \(stream.count) and --batch ≤ \((stream.count - 16) / 7)"
                )
            }
            let loadBefore = loadAverage()

            // Prompt processing: one pass, logits of the last token.
            let pp = try Rate.best(of: repeats) {
                let cache = KVCache(config: model.config, storage: kvCache)
                let sequence = cache.newSequence()
                let clock = Clock()
                _ = try model.forward(
                    tokens: prompt, spans: [Span(sequence: sequence, start: 0, count: prompt.count, position: 0)],
                    cache: cache, logitRows: [prompt.count - 1])
                return clock.rate(prompt.count)
            }
            // Decode: B sequences with distinct 16-token prompts, greedy, EOS ignored; only the
            // decode steps are timed.
            func decode(_ B: Int) throws -> Rate {
                try Rate.best(of: repeats) {
                    let decoder = BatchDecoder(model: lm, maxBatch: B, prefillBudget: 1 << 20, kvStorage: kvCache)
                    for b in 0..<B {
                        let p = Array(stream[(7 * b)..<(7 * b + 16)])
                        let o = try SamplingOptions(maxTokens: decodeTokens + 1, ignoreEOS: true)
                        try decoder.submit(GenerationRequest(prompt: p, options: o))
                    }
                    _ = try decoder.step()  // prefill (and each sequence's first token)
                    var tokens = 0
                    let clock = Clock()
                    while !decoder.isIdle {
                        tokens += try decoder.step().filter {
                            if case .token = $0 { return true } else { return false }
                        }.count
                    }
                    return clock.rate(tokens)
                }
            }
            let decode1 = try decode(1)
            let batched = try batch.map { ($0, try decode($0)) }

            var peer: Peer?
            var peerNote = "skipped (--no-peer)"
            if !noPeer {
                (peer, peerNote) = runPeer(model: try ModelStore.resolve(modelOptions.model), threads: threads)
            }
            let loadAfter = loadAverage()
            if json {
                func rate(_ r: Rate) -> JSONValue { ["tps": .number(r.wall), "cpu_tps": .number(r.cpu)] }
                var object: JSONObject = [
                    "model": .string(model.source), "threads": .number(threads), "prompt_tokens": .number(promptTokens),
                    "kernels": .string(Kernels.best.description), "kv_cache": .string(kvCache.rawValue),
                    "load_average": .array([.number(loadBefore), .number(loadAfter)]),
                    "prompt": rate(pp), "decode": rate(decode1),
                ]
                for (b, v) in batched { object["decode_batch\(b)"] = rate(v) }
                if let peer {
                    object["peer"] = [
                        "engine": .string(peer.name), "prompt": rate(peer.prompt), "decode": rate(peer.decode),
                    ]
                }
                print(JSONValue.object(object).serialized())
                return
            }
            print(
                "model: \(model.source), \(threads) threads, \(Kernels.best) kernels, \(kvCache.rawValue) KV cache, prompt \(promptTokens) tokens, decode \(decodeTokens) tokens"
            )
            print("peer: \(peer?.name ?? peerNote)")
            print(
                String(
                    format: "load average: %.1f before, %.1f after (machine: %d cores)", loadBefore, loadAfter,
                    coreCount()))
            print(
                "tokens/s (t/s: wall clock; cpu: tokens per CPU-second of the whole process, robust to a busy machine)")
            func cell(_ value: Double?, _ format: String, _ width: Int) -> String {
                (value.map { String(format: format, $0) } ?? "-").leftPadded(width)
            }
            func row(_ name: String, _ ours: Rate, _ theirs: Rate?, _ goal: String) {
                let cells: [String] = [
                    name.padding(toLength: 30, withPad: " ", startingAt: 0), cell(ours.wall, "%.1f", 9),
                    cell(theirs?.wall, "%.1f", 11), cell(theirs.map { ours.wall / $0.wall }, "%.2fx", 8),
                    cell(ours.cpu, "%.1f", 11), cell(theirs?.cpu, "%.1f", 10),
                    cell(theirs.map { ours.cpu / $0.cpu }, "%.2fx", 8), "   " + goal,
                ]
                print(cells.joined())
            }
            let header: [String] = [
                "measure".padding(toLength: 30, withPad: " ", startingAt: 0), "Troupe".leftPadded(9),
                "llama.cpp".leftPadded(11), "ratio".leftPadded(8), "cpu Troupe".leftPadded(11),
                "llama.cpp".leftPadded(10), "ratio".leftPadded(8), "   goal (wall ratio)",
            ]
            print(header.joined())
            row("prompt processing", pp, peer?.prompt, "≥ 2x")
            row("decode, batch 1", decode1, peer?.decode, "≥ 1x")
            for (b, v) in batched {
                row(
                    "decode, batch \(b) (aggregate)", v, peer?.decode,
                    b == 32 ? "≥ 5x llama.cpp batch 1" : "vs llama.cpp batch 1")
            }
        }

        /// The llama.cpp peer's numbers.
        struct Peer {
            var name: String
            var prompt: Rate
            var decode: Rate
        }

        /// Runs the llama.cpp peer script; returns its numbers or why there are none.
        func runPeer(model: String, threads: Int) -> (Peer?, String) {
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
                let ppCPU = value["prompt_cpu_tps"]?.doubleValue, let tg = value["decode_tps"]?.doubleValue,
                let tgCPU = value["decode_cpu_tps"]?.doubleValue
            else { return (nil, "unavailable: unexpected output \(value.serialized())") }
            return (Peer(name: name, prompt: Rate(wall: pp, cpu: ppCPU), decode: Rate(wall: tg, cpu: tgCPU)), "")
        }
    }
}

/// A throughput measured two ways: tokens per wall-clock second, and per CPU-second of the
/// process (all threads), which a busy machine disturbs much less.
struct Rate {
    var wall: Double
    var cpu: Double

    /// The best of `repeats` runs, by wall clock and by CPU time separately.
    static func best(of repeats: Int, _ body: () throws -> Rate) rethrows -> Rate {
        var best = Rate(wall: 0, cpu: 0)
        for _ in 0..<repeats {
            let r = try body()
            best = Rate(wall: max(best.wall, r.wall), cpu: max(best.cpu, r.cpu))
        }
        return best
    }
}

/// Wall-clock and process CPU time since creation.
struct Clock {
    let wall = Date()
    let cpu = Clock.processCPU()

    static func processCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    func rate(_ tokens: Int) -> Rate {
        Rate(
            wall: Double(tokens) / max(Date().timeIntervalSince(wall), 1e-9),
            cpu: Double(tokens) / max(Clock.processCPU() - cpu, 1e-9))
    }
}

/// The 1-minute load average.
func loadAverage() -> Double {
    var load = [0.0, 0.0, 0.0]
    return getloadavg(&load, 3) > 0 ? load[0] : .nan
}

func coreCount() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
