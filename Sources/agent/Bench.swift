import AgentKit
import ArgumentParser
import Foundation
import Matryoshka
import TroupeCatalog
import TroupeClient
import TroupeCore
import TroupeLM
import TroupeTrain

extension Agent {
    /// `agent bench`: a policy on an environment's games, concurrently through envd, with success
    /// per task type in the paper's layout.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure a policy on an environment: success per task type, mean steps, a JSON result.",
            discussion: """
                Policies: expert (the environment's expert plan, alfworld-v0), random (a random \
                admissible command), react (an LLM acting ReAct-style through an llm-v0 backend, \
                --llm), controller (the Matryoshka controller on matryoshka-alfworld-v0: --model, \
                --adapter, --black-box, --max-tries), guidance:none|vague|generic|walkthrough|wrong \
                (rule-written guidance for the black box). ALFWorld environments play --games games \
                of --split (evenly spaced; all by default), others --episodes episodes with seeds \
                0, 1, …. Sessions run concurrently (--sessions) on envd: --endpoint, or a private \
                envd on a Unix socket. Results are grouped by info.task_type when the environment \
                reports one. On tools-v0 it also prints STE's first-turn metric (well-formed, API match, \
                correct) over the episodes' evaluation queries.
                """)

        @Option(help: "expert, random, react, controller, or guidance:none|vague|generic|walkthrough|wrong.")
        var policy: String
        @Option(help: "Environment id (default: alfworld-v0, or matryoshka-alfworld-v0 for controller and guidance).")
        var env: String?
        @Option(help: "Configuration for make, as a JSON object (merged under the bench's own fields).")
        var config = "{}"
        @Option(help: "Split of ALFWorld games: train, eval_in, eval_out.") var split = "eval_out"
        @Option(help: "Games of the split, evenly spaced (default: all).") var games: Int?
        @Option(help: "Episodes, for environments without game splits.") var episodes = 20
        @Option(help: "Episodes played at once.") var sessions = 8
        @Option(help: "Seed of the policy's randomness.") var seed: UInt64 = 1
        @Option(help: "alfworld-v0's expert for --policy expert: handcoded or planner.") var expert = "handcoded"
        @Option(help: "react: the llm-v0 configuration of the acting LLM, as JSON.") var llm: String?
        @Flag(help: "react: show the admissible commands to the LLM.") var showAdmissible = false
        @Option(help: "controller and guidance: the black box, an llm-v0 configuration as JSON.") var blackBox: String?
        @Option(help: "controller and guidance: tries per episode (closed loop).") var maxTries = 1
        @Option(help: "controller: the model (default: the cached SmolLM2-135M-Instruct).") var model: String?
        @Option(help: "controller: a LoRA adapter directory (PEFT).") var adapter: String?
        @Option(help: "controller: guidance tokens at most.") var maxTokens = 128
        @Option(help: "controller: threads for the model.") var threads: Int?
        @Option(help: "Write the result as JSON here.") var json: String?
        @Option(help: "Write every episode as a JSONL line here.") var trajectories: String?
        @OptionGroup var endpoints: EndpointOptions

        var environment: String {
            env ?? (policy == "controller" || policy.hasPrefix("guidance:") ? "matryoshka-alfworld-v0" : "alfworld-v0")
        }

        func validate() throws {
            guard ["expert", "random", "react", "controller"].contains(policy) || policy.hasPrefix("guidance:") else {
                throw ValidationError("--policy \(policy): use expert, random, react, controller or guidance:KIND")
            }
            if policy.hasPrefix("guidance:"), GuidancePolicy.Kind(rawValue: String(policy.dropFirst(9))) == nil {
                throw ValidationError("--policy \(policy): the kinds are none, vague, generic, walkthrough, wrong")
            }
            guard sessions > 0, episodes > 0, maxTries > 0 else {
                throw ValidationError("--sessions, --episodes and --max-tries must be positive")
            }
            guard builtinEnvironments.registrations[environment] != nil else {
                throw ValidationError("--env \(environment) is not a built-in environment (envd list)")
            }
        }

        static func parse(_ text: String, _ option: String) throws -> JSONValue {
            do {
                return try JSONValue.parse(text)
            } catch {
                throw ValidationError("\(option) is not valid JSON: \(error.troupeMessage)")
            }
        }

        /// The configuration: --config with the fields the policy needs.
        func makeConfig() throws -> JSONValue {
            var object = try Bench.parse(config, "--config").objectValue ?? [:]
            switch environment {
            case "alfworld-v0":
                object["split"] = .string(split)
                if policy == "expert" { object["expert"] = .string(expert) }
            case "matryoshka-alfworld-v0":
                var world = object["alfworld"]?.objectValue ?? [:]
                world["split"] = .string(split)
                object["alfworld"] = .object(world)
                object["max_tries"] = .number(maxTries)
                if policy.hasPrefix("guidance:") { object["walkthrough"] = true }
                if let blackBox { object["black_box"] = try Bench.parse(blackBox, "--black-box") }
            default: break
            }
            return .object(object)
        }

        /// The episodes: games of the split for ALFWorld environments, seeds otherwise.
        func plans() -> [EpisodePlan] {
            guard environment.contains("alfworld") else {
                return (0..<episodes).map {
                    EpisodePlan(key: "e\($0)", options: .null, seed: UInt64($0), policySeed: seed &+ UInt64($0))
                }
            }
            let size = split == "train" ? 3_553 : split == "eval_in" ? 140 : 134
            let count = min(games ?? size, size)
            return (0..<count).map { $0 * size / count }.map { game in
                EpisodePlan(
                    key: "g\(game)", options: ["game": .number(game)], seed: UInt64(game),
                    policySeed: seed &+ UInt64(game),
                    labels: ["game": .number(game)])
            }
        }

        func makePolicy(driver: any EnvDriver, config: JSONValue) async throws -> (any Policy, Controller?) {
            switch policy {
            case "expert": return (ExpertPolicy(), nil)
            case "random":
                return (RandomPolicy(sampler: builtinEnvironments.registrations[environment]?.sampleAction), nil)
            case "react":
                let llm = try Bench.parse(llm ?? #"{"backend": "sim"}"#, "--llm")
                return (
                    try await ReActPolicy.make(
                        driver: driver, llm: llm, count: sessions, showAdmissible: showAdmissible), nil
                )
            case "controller":
                let path = try ModelStore.resolve(model)
                let lm = try LanguageModel.load(path)
                if let threads {
                    lm.model.pool = WorkerPool(threads: threads)
                    BLAS.threads = threads
                }
                let controller = try Controller(lm: lm, maxTokens: maxTokens)
                try controller.use(adapter: adapter)
                return (ControllerPolicy(controller: controller, temperature: 0), controller)
            default:
                let kind = GuidancePolicy.Kind(rawValue: String(policy.dropFirst(9)))!
                var walkthroughs: [(type: String, plan: [String])] = []
                if kind == .wrong {
                    // Every game's walkthrough, to mislead with another task type's.
                    let session = try await driver.make(environment, config: config, seed: 0)
                    let size = split == "train" ? 3_553 : split == "eval_in" ? 140 : 134
                    for game in 0..<min(size, 400) {
                        let first = try await session.reset(seed: 0, options: ["game": .number(game)])
                        walkthroughs.append(
                            (
                                first.info["task_type"]?.stringValue ?? "",
                                first.info["extra.walkthrough"]?.arrayValue?.compactMap(\.stringValue) ?? []
                            ))
                    }
                    try? await session.close()
                }
                return (GuidancePolicy(kind: kind, walkthroughs: walkthroughs), nil)
            }
        }

        func run() async throws {
            let config = try makeConfig()
            let (pool, server) = try await endpoints.connect(serverArguments: ["--step-timeout-ms", "0"])
            defer { server?.stop() }
            let (policy, controller) = try await makePolicy(driver: pool, config: config)
            let plans = plans()
            let collector = BenchCollector(
                total: plans.count,
                log: try trajectories.map { path in
                    try? FileManager.default.removeItem(atPath: path)
                    return try JSONLLog(path: path)
                })
            let runner = EpisodeRunner(
                driver: pool, env: environment, config: config, sessions: sessions, sessionSeed: seed)
            let start = Date()
            FileHandle.standardError.write(
                Data("bench: \(policy.name) on \(environment), \(plans.count) episodes, \(sessions) at once\n".utf8))
            try await runner.run(plans, policy: policy) { record in try await collector.add(record) }
            let seconds = Date().timeIntervalSince(start)
            if let react = policy as? ReActPolicy { await react.close() }
            _ = controller
            await pool.close()
            let table = await collector.table
            let layout = ResultTable.Layout.alfworld
            let extra = table.extraGroups(layout)
            print("\(policy.name) on \(environment) (\(plans.count) episodes, \(String(format: "%.1f", seconds)) s)")
            print(
                (ResultTable.header(layout, first: "policy", extra: extra) + [
                    table.row(layout, label: policy.name, extra: extra)
                ]).joined(separator: "\n"))
            print("")
            print(table.detail(layout))
            let ste = await collector.ste
            if ste.total > 0 { print(ste.summary) }
            if let json {
                let result: JSONValue = [
                    "env": .string(environment), "config": config, "policy": .string(policy.name),
                    "split": .string(split), "episodes": .number(plans.count), "seconds": .double(seconds),
                    "results": table.json, "ste": ste.total > 0 ? ste.json : .null,
                ]
                try RunFiles.write(json: result, to: json)
                print("result: \(json)")
            }
        }
    }
}

/// Gathers a bench's records: the table, the trajectory log, progress.
actor BenchCollector {
    let total: Int
    let log: JSONLLog?
    var table = ResultTable()
    var ste = STETally()
    var done = 0

    init(total: Int, log: JSONLLog?) {
        self.total = total
        self.log = log
    }

    func add(_ record: EpisodeRecord) throws {
        let info = record.steps.last?.result.info ?? record.reset.info
        let group = record.reset.info["task_type"]?.stringValue ?? "all"
        // A guided episode's length is the black box's commands; otherwise the episode's steps.
        let steps = info["black_box_steps"]?.intValue.map(Int.init) ?? record.steps.count
        table.add(group: group, won: record.won, steps: steps)
        ste.add(record)
        try log?.append(record.json())
        done += 1
        FileHandle.standardError.write(
            Data("\r\u{1B}[Kbench: \(done)/\(total), \(table.all.won) won\(done == total ? "\n" : "")".utf8))
    }
}
