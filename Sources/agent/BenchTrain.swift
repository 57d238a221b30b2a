import ArgumentParser
import Foundation
import TroupeCore
import TroupeLM
import TroupeTrain

extension Agent {
    /// `agent bench-train`: a LoRA-DPO step and an SFT step, beside PyTorch + PEFT and TRL.
    struct BenchTrain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-train",
            abstract: "Measure LoRA training steps (DPO and SFT) beside PyTorch + PEFT and TRL on the same threads.",
            discussion: """
                A DPO step is --pairs preference pairs of --seq-len-token sequences (prompt \
                --prompt-len tokens, chosen and rejected completions the rest), LoRA of rank \
                --rank on all seven projections: the reference pass over the step's new pairs \
                (adapters off), the policy forward and backward, and AdamW; a pair's chosen and \
                rejected share their prompt, which Troupe computes once. An SFT step is 2 × pairs \
                sequences of the same lengths, each with its own prompt (nothing shared). Each is \
                measured over --steps steps \
                after one warm-up step. Reports sequence tokens/s, seconds per step, the process's \
                peak resident memory, and the share of the measured OpenBLAS sgemm ceiling the step \
                reaches (its matrix-product FLOPs over its time). With --peers, runs \
                scripts/bench/train_peer.py for PyTorch + PEFT and for TRL's DPOTrainer/SFTTrainer \
                on the same model and threads, each in its own process, and prints the ratios.
                """)

        @OptionGroup var modelOptions: ModelOptions
        @Option(help: "Preference pairs per step.") var pairs = 4
        @Option(name: .customLong("seq-len"), help: "Tokens per sequence.") var seqLen = 256
        @Option(name: .customLong("prompt-len"), help: "Prompt tokens per sequence.") var promptLen = 128
        @Option(help: "LoRA rank (alpha = 2 × rank).") var rank = 8
        @Option(help: "Measured steps (after one warm-up step).") var steps = 3
        @Option(help: "Which steps: dpo, sft or both.") var objective = "both"
        @Option(
            name: .customLong("gradient-checkpointing"), help: "Activations: keep, recompute, or auto (the default).")
        var activations = "auto"
        @Flag(help: "Also run the PyTorch + PEFT and TRL peers (scripts/bench/train_peer.py).") var peers = false
        @Option(name: .customLong("peer-script"), help: "The peer script.") var peerScript =
            "scripts/bench/train_peer.py"
        @Flag(help: "Print the results as JSON lines.") var json = false

        func validate() throws {
            guard pairs > 0, seqLen > promptLen, promptLen > 0, rank > 0, steps > 0 else {
                throw ValidationError("pairs, rank and steps must be positive and --seq-len above --prompt-len")
            }
            guard ["dpo", "sft", "both"].contains(objective) else {
                throw ValidationError("--objective: dpo, sft or both")
            }
            guard ActivationPolicy(rawValue: activations) != nil else {
                throw ValidationError("--gradient-checkpointing: keep, recompute or auto")
            }
        }

        func run() async throws {
            var options = modelOptions
            if options.threads == nil { options.threads = 2 }
            let threads = options.threads!
            let modelPath = try ModelStore.resolve(options.model)
            let lm = try options.load()
            let model = lm.model
            let ceiling = sgemmCeiling(model.config)
            var results: [JSONValue] = []
            // Each result goes to standard error as soon as it is measured: a run stopped before
            // its peers finish keeps what it measured.
            func record(_ result: JSONValue) {
                results.append(result)
                FileHandle.standardError.write(Data(("bench-train: " + result.serialized() + "\n").utf8))
            }
            for kind in objective == "both" ? ["dpo", "sft"] : [objective] {
                record(try measure(kind, lm: lm, ceiling: ceiling))
            }
            if peers {
                for mode in ["pytorch", "trl"] {
                    for kind in objective == "both" ? ["dpo", "sft"] : [objective] {
                        record(try runPeer(mode: mode, kind: kind, model: modelPath, threads: threads))
                    }
                }
            }
            if json {
                for r in results { print(r.serialized()) }
                return
            }
            print(
                "LoRA training step, \(model.source), \(threads) threads, r \(rank) on all projections, \(pairs) pairs of \(seqLen)-token sequences"
            )
            print("OpenBLAS sgemm ceiling on the model's shapes: \(String(format: "%.1f", ceiling)) GFLOP/s")
            print(
                "| implementation | step | sequence tokens/s | s/step | CPU s/step | peak memory | share of ceiling | Troupe's speedup |"
            )
            print("|---|---|---|---|---|---|---|---|")
            for r in results {
                let step = r["step"]?.stringValue ?? "?"
                let ours = results.first {
                    $0["implementation"]?.stringValue == "troupe" && $0["step"]?.stringValue == step
                }
                let ratio =
                    (ours?["tokens_per_second"]?.doubleValue ?? 0) / max(1e-9, r["tokens_per_second"]?.doubleValue ?? 0)
                print(
                    "| \(r["implementation"]?.stringValue ?? "?") | \(step) | \(String(format: "%.1f", r["tokens_per_second"]?.doubleValue ?? 0)) | \(String(format: "%.2f", r["seconds_per_step"]?.doubleValue ?? 0)) | \(String(format: "%.2f", r["cpu_seconds_per_step"]?.doubleValue ?? 0)) | \(String(format: "%.2f GB", (r["peak_bytes"]?.doubleValue ?? 0) / 1e9)) | \(r["ceiling_share"]?.doubleValue.map { String(format: "%.0f%%", 100 * $0) } ?? "") | \(String(format: "%.2fx", ratio)) |"
                )
            }
        }

        /// One objective's steps, measured.
        func measure(_ kind: String, lm: LanguageModel, ceiling: Double) throws -> JSONValue {
            let model = lm.model
            let completion = seqLen - promptLen
            var rng = SeededRNG(seed: 7)
            func text(_ n: Int) -> [Int] {
                (0..<n).map { _ in rng.int(in: 100..<min(model.config.vocabularySize, 40_000)) }
            }
            let stepCount = steps + 1
            var config = TrainerConfig(learningRate: 1e-4)
            config.batchSize = kind == "dpo" ? pairs : 2 * pairs
            config.maxSteps = stepCount
            config.scheduler = .constant
            var output = OutputSettings()
            output.activations = ActivationPolicy(rawValue: activations)!
            let lora = try LoRAModel(
                config: LoRAConfig(r: rank, alpha: Double(2 * rank)), modelConfig: model.config, seed: 1)
            let history: [StepRecord]
            let clock = CPUClock()
            if kind == "dpo" {
                let data = (0..<(stepCount * pairs)).map { _ in
                    PreferenceExample(prompt: text(promptLen), chosen: text(completion), rejected: text(completion))
                }
                let objective = DPOObjective(model: model, lora: lora, config: try DPOConfig(beta: 0.1))
                let trainer = try Trainer(
                    objective: objective, model: model, lora: lora, examples: data, config: config, output: output)
                trainer.observer = clock
                history = try trainer.train()
            } else {
                let data = (0..<(stepCount * 2 * pairs)).map { _ in
                    SFTExample(prompt: text(promptLen), completion: text(completion))
                }
                let trainer = try Trainer(
                    objective: SFTObjective(model: model), model: model, lora: lora, examples: data, config: config,
                    output: output)
                trainer.observer = clock
                history = try trainer.train()
            }
            LoRAModel.uninstall(from: model)
            let measured = history.dropFirst()
            let seconds = measured.map { $0["step_seconds"]! }.reduce(0, +) / Double(measured.count)
            let cpu = clock.secondsPerStep(skipping: 1)
            let tokens = Double(2 * pairs * seqLen)
            let flops = stepFLOPs(kind, model.config)
            return [
                "implementation": "troupe", "step": .string(kind), "tokens_per_second": .number(tokens / seconds),
                "seconds_per_step": .number(seconds), "cpu_seconds_per_step": .number(cpu),
                "peak_bytes": .number(Double(peakResidentBytes())),
                "gflops": .number(flops / seconds / 1e9), "ceiling_share": .number(flops / seconds / 1e9 / ceiling),
                "step_gflop": .number(flops / 1e9),
            ]
        }

        /// Matrix-product FLOPs of one step (projections, attention scores and values as the
        /// products compute them, by blocks of 64 query rows, the head on completion rows only),
        /// counted from the shapes. A DPO pair's rejected sequence reads its prompt from the
        /// chosen one's rows (`PackedSequence`), so its prompt rows are not counted again.
        func stepFLOPs(_ kind: String, _ c: LlamaConfig) -> Double {
            let C = Double(c.hiddenSize), H = Double(c.intermediateSize), V = Double(c.vocabularySize)
            let scored = Double(seqLen - promptLen)
            // Each pair's two sequences as (shared prefix, own rows): the first whole, the second
            // after the prompt it shares (DPO) or whole too (SFT's prompts are all different).
            let shared = kind == "dpo" && promptLen >= PackedSequence.minSharedPrefix ? promptLen : 0
            let packed = Array(repeating: [(0, seqLen), (shared, seqLen - shared)], count: pairs).joined()
            var forward = 0.0, backward = 0.0
            for (prefix, n) in packed {
                let projections = 2 * Double(n * c.layers) * (C * Double(2 * c.qDim + 2 * c.kvDim) + 3 * C * H)
                // The attention products cover, per row block, the rows × the keys up to its end.
                let area = stride(from: 0, to: n, by: 64).reduce(0) {
                    $0 + min(64, n - $1) * (prefix + min(n, $1 + 64))
                }
                let attention = Double(c.layers * c.heads) * 2 * 2 * Double(area) * Double(c.headDim)
                let head = 2 * scored * C * V
                forward += projections + attention + head
                // Backward: input gradients of the projections, five attention products, the head's.
                backward += projections + 2.5 * attention + head
            }
            return forward + backward + (kind == "dpo" ? forward : 0)
        }

        /// The best sgemm GFLOP/s over the step's main product shapes (3 runs each).
        func sgemmCeiling(_ c: LlamaConfig) -> Double {
            let T = 2 * pairs * seqLen
            let shapes = [
                (T, c.intermediateSize, c.hiddenSize), (T, c.hiddenSize, c.intermediateSize), (T, c.qDim, c.hiddenSize),
            ]
            var best = 0.0
            for (m, n, k) in shapes {
                let a = Tensor([m, k], values: (0..<(m * k)).map { Float($0 % 7) * 0.01 })
                let b = Tensor([n, k], values: (0..<(n * k)).map { Float($0 % 5) * 0.01 })
                let out = Tensor([m, n])
                for _ in 0..<3 {
                    let start = Date()
                    BLAS.gemm(a.data, b.data, out.data, m: m, n: n, k: k, transB: true)
                    best = max(best, 2 * Double(m * n * k) / Date().timeIntervalSince(start) / 1e9)
                }
            }
            return best
        }

        func runPeer(mode: String, kind: String, model: String, threads: Int) throws -> JSONValue {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", peerScript, "--mode", mode, "--objective", kind, "--model", model, "--threads", "\(threads)",
                "--pairs", "\(pairs)", "--seq-len", "\(seqLen)", "--prompt-len", "\(promptLen)", "--rank", "\(rank)",
                "--steps", "\(steps)",
            ]
            var environment = ProcessInfo.processInfo.environment
            for key in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] {
                environment[key] = "\(threads)"
            }
            process.environment = environment
            let pipe = Pipe()
            process.standardOutput = pipe
            FileHandle.standardError.write(Data("bench-train: running the \(mode) peer (\(kind))…\n".utf8))
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0,
                let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
                let result = try? JSONValue.parse(String(line))
            else {
                throw ValidationError(
                    "the \(mode) peer failed (exit \(process.terminationStatus)); run \(peerScript) by hand to see why")
            }
            return result
        }
    }
}

/// Process CPU time (all threads) at the end of each step: a measure of work that contention on
/// a shared machine inflates far less than wall time.
final class CPUClock: TrainingObserver {
    var marks: [Double] = [CPUClock.now()]

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    func training(_ event: TrainingEvent) {
        if case .step = event { marks.append(CPUClock.now()) }
    }

    /// Mean CPU seconds of the steps after the first `skipping`.
    func secondsPerStep(skipping: Int) -> Double {
        let steps = zip(marks.dropFirst(), marks).map { $0 - $1 }.dropFirst(skipping)
        return steps.isEmpty ? 0 : steps.reduce(0, +) / Double(steps.count)
    }
}

/// The process's peak resident memory in bytes (Linux reports ru_maxrss in KiB).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
