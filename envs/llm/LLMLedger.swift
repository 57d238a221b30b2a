import TroupeCore

/// Token and cost accounting for the whole run: every `llm-v0` session of a process reports each
/// answered or failed request here (it lives in `SharedResources` under `LLMLedger.resourceKey`).
/// Sessions keep their own totals too (`info.session_usage`).
public actor LLMLedger {
    public static let resourceKey = "llm.ledger"

    /// Everything so far.
    public private(set) var totals = UsageTotals()
    /// Per model name, for runs that use several.
    public private(set) var byModel: [String: UsageTotals] = [:]

    public init() {}

    @discardableResult
    func record(model: String, usage: TokenUsage?, cost: Double, cached: Bool) -> UsageTotals {
        totals.add(usage, cost: cost, cached: cached)
        byModel[model, default: UsageTotals()].add(usage, cost: cost, cached: cached)
        return totals
    }

    @discardableResult
    func recordFailure(model: String) -> UsageTotals {
        totals.failures += 1
        byModel[model, default: UsageTotals()].failures += 1
        return totals
    }

    /// The ledger of a process (or of one `SharedResources`).
    public static func shared(in resources: SharedResources) async throws -> LLMLedger {
        try await resources.resource(resourceKey) { LLMLedger() }
    }
}
