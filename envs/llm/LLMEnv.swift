import TroupeCore

/// `llm-v0`: a black-box LLM as an environment. An action is a chat or a prompt with sampling
/// parameters (see `LLMAction`); the observation is the completion's text; `info` says how it was
/// made (usage, finish reason, latency, backend, whether it came from the cache). Reward is always
/// 0: scoring belongs to the task that uses the LLM.
///
/// Sessions share backends: every session whose configuration has the same `backend` object gets
/// the same `LLMBackend` actor (from `SharedResources`), and `openai` backends on one URL share
/// one concurrency limit. Sessions naming the same cache path share one `ResponseStore`.
///
/// Sample identity. At temperature 0 a request has one answer, and its cache key is the request
/// alone. Above 0 each answer is a sample, and the key also holds which sample: by default
/// `"<episode stream>:<k>"`, where the episode stream is drawn from the session's seeded random
/// stream at `reset` and k counts earlier asks of the same request in this episode (failed ones
/// included). So asking
/// again gives a new sample, different sessions draw different samples, and the same seeds and
/// actions give the same keys, hence the same answers from the cache (and from `sim` or `local`,
/// which sample from the key's hash). An action's `sample` field pins the identity instead
/// (shared across sessions).
public actor LLMEnv: Environment {
    public static let spec = EnvSpec(
        id: "llm-v0",
        summary:
            "A black-box LLM: the action is a chat or prompt with sampling parameters, the observation is the completion. Backends: openai, sim.",
        observation: .text("the completion's text (empty after reset)"),
        action: .json(
            "a string (one user message) or {\"messages\": [{\"role\", \"content\"}...] | \"prompt\": text, \"temperature\", \"max_tokens\", \"top_p\", \"stop\", \"seed\", \"presence_penalty\", \"frequency_penalty\", \"extra\", \"model\", \"sample\"}",
            schema: [
                "oneOf": [
                    ["type": "string"],
                    ["type": "object", "required": ["messages"]],
                    ["type": "object", "required": ["prompt"]],
                ]
            ]),
        configSchema: configSchema,
        capabilities: [.snapshot],
        maxEpisodeSteps: 1_000,
        rewardRange: 0...0,
        volatileInfoKeys: ["latency_ms", "cached", "attempts", "cost_usd", "session_usage", "run_usage"])

    /// `llm-v0` with the built-in backends (`openai`, `sim`).
    public static let registration = registration(backends: LLMBackendKind.builtin)

    /// `llm-v0` with the given backend kinds: how a module adds one (the `local` engine, a `sim`
    /// with task responders) without this module depending on it.
    public static func registration(backends: [LLMBackendKind]) -> EnvRegistration {
        let kinds = Dictionary(backends.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return EnvRegistration.decoding(
            Config.self, spec: spec, conformanceConfig: ["backend": ["kind": "sim"]],
            sampleAction: { _, _, rng in sampleAction(&rng) },
            factory: { config, context in try await make(config: config, kinds: kinds, context: context) })
    }

    public nonisolated var spec: EnvSpec { LLMEnv.spec }

    let config: Config
    let backendKind: String
    /// Nil in replay mode: replays never reach a backend.
    let backend: (any LLMBackend)?
    let model: String
    let store: ResponseStore?
    let ledger: LLMLedger
    /// The canonical text of the backend's identity, the first part of every cache key.
    let identityText: String

    var seeding: EpisodeSeeding
    /// Drawn at each reset: the default sample identities of this episode.
    var episodeStream: UInt64 = 0
    /// How often each sampled request (by hash of its canonical text) was asked this episode.
    var askCounts: [String: Int] = [:]
    var sessionUsage = UsageTotals()

    init(
        config: Config, backendKind: String, identity: JSONValue, backend: (any LLMBackend)?, model: String,
        store: ResponseStore?, ledger: LLMLedger, seed: UInt64
    ) {
        self.config = config
        self.backendKind = backendKind
        self.backend = backend
        self.model = model
        self.store = store
        self.ledger = ledger
        self.identityText = identity.canonicalString()
        seeding = EpisodeSeeding(sessionSeed: seed)
    }

    static func make(config: Config, kinds: [String: LLMBackendKind], context: MakeContext) async throws -> LLMEnv {
        let name = config.backend["kind"]?.stringValue ?? ""
        guard let kind = kinds[name] else {
            throw EnvError.badConfig(
                "unknown backend kind \"\(name)\"; known: \(kinds.keys.sorted().joined(separator: ", "))")
        }
        var members = config.backend
        members["kind"] = nil
        let plan = try kind.prepare(members)
        guard let model = config.model ?? plan.defaultModel else {
            throw EnvError.badConfig(
                "`model` is required with the \(name) backend (the model name the endpoint serves)")
        }
        var backend: (any LLMBackend)?
        if config.cache.mode != .replay {
            let key = "llm.backend:" + JSONValue.object(config.backend).canonicalString()
            backend = try await context.shared.resource(key) { try await plan.make(context.shared) }
        }
        var store: ResponseStore?
        if config.cache.mode != .off, let path = config.cache.absolutePath {
            store = try await context.shared.resource("llm.cache:" + path) { try ResponseStore(path: path) }
        }
        return LLMEnv(
            config: config, backendKind: name, identity: plan.identity, backend: backend, model: model, store: store,
            ledger: try await LLMLedger.shared(in: context.shared), seed: context.seed)
    }

    public func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        seeding.reset(seed: seed)
        episodeStream = seeding.rng.next()
        askCounts = [:]
        return ResetResult(
            observation: "",
            info: [
                "backend": .string(backendKind), "model": .string(model), "cache": .string(config.cache.mode.rawValue),
            ])
    }

    public func step(_ action: JSONValue) async throws -> StepResult {
        let parsed = try LLMAction.parse(action, defaults: config.defaults, model: model)
        var request = parsed.request
        let requestText = request.cacheKeyJSON.canonicalString()
        let askKey = ResponseStore.hex(SeededRNG.fnv1a64(requestText), digits: 16)
        let sample: JSONValue
        if let pinned = parsed.sample {
            sample = .number(pinned)
        } else if request.sampling.temperature > 0 {
            // Taken before the request is sent, so concurrent or failed steps never share a sample:
            // a failure uses up its index, and a replay fails (cache_miss) at the same place.
            let index = askCounts[askKey, default: 0]
            askCounts[askKey] = index + 1
            sample = .string(ResponseStore.hex(episodeStream, digits: 16) + ":\(index)")
        } else {
            sample = .null
        }
        let key = LLMEnv.cacheKey(
            identity: identityText, namespace: config.cache.namespace, request: requestText, sample: sample)
        request.sampleSeed = SeededRNG.fnv1a64(key)

        let clock = ContinuousClock()
        let started = clock.now
        let completion: LLMCompletion
        let cached: Bool
        do {
            (completion, cached) = try await answer(request, key: key)
        } catch {
            sessionUsage.failures += 1
            await ledger.recordFailure(model: request.model)
            throw error
        }
        let elapsed = clock.now - started

        let cost = cached ? 0 : config.prices.cost(of: completion.usage)
        sessionUsage.add(completion.usage, cost: cost, cached: cached)
        let run = await ledger.record(model: request.model, usage: completion.usage, cost: cost, cached: cached)
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) * 1e-15
        return StepResult(
            observation: .string(completion.text),
            info: [
                "backend": .string(backendKind), "model": .string(completion.model),
                "finish_reason": .string(completion.finishReason), "usage": completion.usage?.json ?? .null,
                "sample": sample, "cached": .bool(cached), "attempts": .number(completion.attempts),
                "latency_ms": .double((milliseconds * 1000).rounded() / 1000), "cost_usd": .double(cost),
                "session_usage": sessionUsage.json, "run_usage": run.json,
            ])
    }

    /// The answer from the cache or the backend, per the cache mode.
    private func answer(_ request: LLMRequest, key: String) async throws -> (LLMCompletion, Bool) {
        if let store {
            if let json = try await store.lookup(key) {
                guard let completion = LLMCompletion(cacheJSON: json) else {
                    throw LLMError.cacheIO(path: store.path, detail: "a record for this request is not a completion")
                }
                return (completion, true)
            }
            if config.cache.mode == .replay {
                throw LLMError.cacheMiss(path: store.path, request: LLMEnv.describe(request))
            }
        }
        guard let backend else {
            throw LLMError.cacheMiss(path: config.cache.path ?? "", request: LLMEnv.describe(request))
        }
        let completion = try await backend.complete(request)
        if let store, config.cache.mode == .readWrite {
            do {
                try await store.store(key, response: completion.cacheJSON)
            } catch let error as LLMError {
                guard case .cacheIO(let path, let detail) = error else { throw error }
                throw LLMError.cacheIO(path: path, detail: detail + " (the answer was received but not recorded)")
            }
        }
        return (completion, false)
    }

    public func close() async {
        await store?.sync()
    }

    /// A cache key: the canonical JSON of `{"backend", "namespace", "request", "sample", "v"}`,
    /// assembled from parts that are already canonical (keys in byte order), so the request is
    /// canonicalized once per step.
    static func cacheKey(identity: String, namespace: String, request: String, sample: JSONValue) -> String {
        "{\"backend\":" + identity + ",\"namespace\":" + JSONValue.string(namespace).serialized() + ",\"request\":"
            + request + ",\"sample\":" + sample.canonicalString() + ",\"v\":1}"
    }

    /// A short description of a request for messages: the model and the start of the last user text.
    static func describe(_ request: LLMRequest) -> String {
        let text = request.input.lastUserText
        let excerpt = text.count > 80 ? String(text.prefix(80)) + "…" : text
        return "model \(request.model), temperature \(request.sampling.temperature): \"\(excerpt)\""
    }
}
