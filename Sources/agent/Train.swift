import ArgumentParser
import Foundation
import Matryoshka
import TroupeCore
import TroupeLM
import TroupeTrain

extension Agent {
    /// `agent train --method matryoshka`: Matryoshka's loop end to end (see docs/matryoshka.md).
    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a method's white-box model against environments through envd (matryoshka).",
            discussion: """
                --method matryoshka: the controller (SmolLM2-135M-Instruct by default, with LoRA) \
                writes guidance for a black box (the sim ALFWorld executor by default) acting in \
                matryoshka-alfworld-v0. The loop: evaluate the controller on the evaluation games; \
                per round, sample K guidance texts per training game at temperature 1, label each by \
                whether the black box won, pair wins with losses per game, train LoRA-DPO (β 0.1, \
                label smoothing 0.1, r 8, α 16), export the adapter (PEFT and GGUF), evaluate again. \
                Optional SFT warm-up on the planner's walkthroughs (--warmup-games). Everything is \
                written under --run-dir; run the same command again to resume after a crash or a \
                kill. Without --endpoint a private envd is started on a Unix socket. Presets: short \
                (the README's demo, about ten minutes on two cores), full (134 evaluation games, two \
                rounds), tiny (tests).
                """)

        @Option(help: "The method: matryoshka.") var method: String
        @Option(help: "Settings preset: short, full, tiny.") var preset = "short"
        @Option(name: .customLong("run-dir"), help: "Where everything goes (default runs/<method>-<preset>).")
        var runDirectory: String?
        @OptionGroup var endpoints: EndpointOptions

        @Option(
            help:
                "The controller: a .gguf file or a Hugging Face directory (default: the cached SmolLM2-135M-Instruct, scripts/fetch-model)."
        )
        var model: String?
        @Option(help: "Threads for the model (default: TROUPE_THREADS or every core).") var threads: Int?

        @Option(help: "Training games (evenly spaced over the train split).") var trainGames: Int?
        @Option(help: "Evaluation games (evenly spaced over --eval-split).") var evalGames: Int?
        @Option(help: "Evaluation split: eval_out (unseen scenes), eval_in, train.") var evalSplit: String?
        @Option(help: "K: guidance samples per training game per round.") var samples: Int?
        @Option(help: "R: rounds of collection and DPO.") var rounds: Int?
        @Option(help: "Sampling temperature for collection.") var temperature: Double?
        @Option(help: "M: tries per evaluation episode (closed loop).") var evalTries: Int?
        @Option(help: "Guidance tokens at most.") var maxTokens: Int?
        @Option(help: "SFT warm-up on this many walkthroughs (0: none).") var warmupGames: Int?
        @Option(help: "DPO learning rate.") var learningRate: Double?
        @Option(help: "DPO epochs over each round's pairs.") var dpoEpochs: Double?
        @Option(help: "SFT warm-up learning rate.") var sftLearningRate: Double?
        @Option(help: "DPO β.") var beta: Double?
        @Option(help: "DPO label smoothing (cDPO ε).") var labelSmoothing: Double?
        @Option(help: "LoRA rank.") var loraR: Int?
        @Option(help: "LoRA alpha.") var loraAlpha: Double?
        @Option(help: "The black box: an llm-v0 configuration as JSON (default: the sim executor).")
        var blackBox: String?
        @Option(help: "Episodes played at once.") var sessions: Int?
        @Option(help: "Seed of everything random in the run.") var seed: UInt64?
        @Flag(help: "Skip the reference evaluations of rule-written guidance.") var noBaselines = false
        @Flag(help: "Only rewrite the report of --run-dir from what it holds.") var reportOnly = false

        func validate() throws {
            guard method == "matryoshka" else {
                throw ValidationError("--method \(method): only matryoshka is implemented")
            }
            guard RunSettings.presets[preset] != nil else {
                throw ValidationError(
                    "--preset \(preset): use \(RunSettings.presets.keys.sorted().joined(separator: ", "))")
            }
        }

        func settings() throws -> RunSettings {
            var s = RunSettings.presets[preset]!
            if let trainGames { s.trainGames = trainGames }
            if let evalGames { s.evalGames = evalGames }
            if let evalSplit { s.evalSplit = evalSplit }
            if let samples { s.samples = samples }
            if let rounds { s.rounds = rounds }
            if let temperature { s.temperature = temperature }
            if let evalTries { s.evalTries = evalTries }
            if let maxTokens { s.maxTokens = maxTokens }
            if let warmupGames { s.warmupGames = warmupGames }
            if let learningRate { s.dpo.learningRate = learningRate }
            if let dpoEpochs { s.dpo.epochs = dpoEpochs }
            if let sftLearningRate { s.sft.learningRate = sftLearningRate }
            if let beta { s.beta = beta }
            if let labelSmoothing { s.labelSmoothing = labelSmoothing }
            if let loraR { s.loraR = loraR }
            if let loraAlpha { s.loraAlpha = loraAlpha }
            if let sessions { s.sessions = sessions }
            if let seed { s.seed = seed }
            if noBaselines { s.baselines = false }
            if let blackBox {
                do {
                    s.blackBox = try JSONValue.parse(blackBox)
                } catch {
                    throw ValidationError("--black-box is not valid JSON: \(error.troupeMessage)")
                }
            }
            do {
                try s.validate()
            } catch let error as MatryoshkaError {
                throw ValidationError(error.message)
            }
            return s
        }

        func run() async throws {
            let settings = try settings()
            let directory = runDirectory ?? "runs/\(method)-\(preset)"
            let path = try ModelStore.resolve(model)
            let lm = try LanguageModel.load(path)
            if let threads {
                guard threads > 0 else { throw ValidationError("--threads must be positive") }
                lm.model.pool = WorkerPool(threads: threads)
                BLAS.threads = threads
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            let identity: JSONValue = ["path": .string(path), "bytes": .number(size)]
            let controller = try Controller(lm: lm, maxTokens: settings.maxTokens)
            let progress = RunProgress()
            if reportOnly {
                let run = try MatryoshkaRun(
                    settings: settings, directory: directory, driver: NoDriver(), controller: controller,
                    modelIdentity: identity)
                print("report: \(try run.regenerateReport())")
                return
            }
            let (pool, server) = try await endpoints.connect(serverArguments: ["--step-timeout-ms", "0"])
            let run = try MatryoshkaRun(
                settings: settings, directory: directory, driver: pool, controller: controller, modelIdentity: identity)
            run.observer = progress
            progress.note(
                "matryoshka: run directory \(directory); controller \((path as NSString).lastPathComponent); envd \(server.map { "private, \($0.socket)" } ?? endpoints.endpoint.joined(separator: ", "))"
            )
            let report: String
            do {
                report = try await run.run()
            } catch {
                await pool.close()
                server?.stop()
                throw error
            }
            await pool.close()
            server?.stop()
            progress.note("matryoshka: finished in \(progress.elapsed)")
            print(
                try String(contentsOfFile: report, encoding: .utf8).components(separatedBy: "\n## Evaluations").first
                    ?? "")
            print("report: \(report)")
        }
    }
}

/// A driver for commands that play nothing (the report).
struct NoDriver: EnvDriver {
    func make(_ id: String, config: JSONValue, seed: UInt64?) async throws -> any EnvSession {
        throw ValidationError("this command plays no episode")
    }
}

/// Progress on standard error: a line per phase, a line redrawn in place while it runs.
final class RunProgress: RunObserver, @unchecked Sendable {
    let start = Date()
    let lock = NSLock()
    var phaseStart = Date()
    var phaseName = ""
    var phaseDone = 0

    var elapsed: String { RunProgress.duration(Date().timeIntervalSince(start)) }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60)
            : String(format: "%dm%02ds", s / 60, s % 60)
    }

    func note(_ text: String) { write(text + "\n") }

    func write(_ text: String) {
        lock.lock()
        FileHandle.standardError.write(Data(text.utf8))
        lock.unlock()
    }

    func run(_ event: RunEvent) {
        switch event {
        case .phase(let name, let total, let done):
            phaseStart = Date()
            phaseName = name
            phaseDone = done
            write("[\(elapsed)] \(name): \(total) to do" + (done > 0 ? ", \(done) done before (resuming)" : "") + "\n")
        case .episode(let done, let total, let won):
            let fresh = done - phaseDone
            let seconds = Date().timeIntervalSince(phaseStart)
            let eta = fresh > 0 ? RunProgress.duration(seconds / Double(fresh) * Double(total - done)) : "?"
            write(
                "\r\u{1B}[K  \(phaseName): \(done)/\(total) \(won.map { "episodes, \($0) won" } ?? "games"), eta \(eta)"
                    + (done == total ? "\n" : ""))
        case .training(let event):
            switch event {
            case .step(let record, let total):
                let parts = ["loss", "rewards/margins", "rewards/accuracies"].compactMap { key in
                    record[key].map { "\(key) \(String(format: "%.4f", $0))" }
                }
                let eta = record["step_seconds"].map { RunProgress.duration($0 * Double(total - record.step)) } ?? "?"
                write(
                    "\r\u{1B}[K  \(phaseName): step \(record.step)/\(total) | " + parts.joined(separator: " | ")
                        + " | eta \(eta)" + (record.step == total ? "\n" : ""))
            case .checkpointed, .started, .evaluated: break
            }
        case .finished(let name, let summary):
            write("[\(elapsed)] \(name): \(summary)\n")
        }
    }
}
