import Testing
import TroupeCatalog
import TroupeCore

@testable import AgentKit
@testable import Matryoshka

/// The episode runner and result table that `agent bench` uses, on ALFWorld's experts and with
/// rule-written guidance for the sim black box.
@Suite struct BenchTests {
    static func plans(_ count: Int, of size: Int = 134) -> [EpisodePlan] {
        (0..<count).map { $0 * size / count }.map {
            EpisodePlan(key: "g\($0)", options: ["game": .number($0)], seed: UInt64($0), policySeed: UInt64($0))
        }
    }

    static func table(env: String, config: JSONValue, policy: any Policy, games: Int) async throws -> ResultTable {
        let collector = Collector()
        let runner = EpisodeRunner(
            driver: InProcessDriver(registry: builtinEnvironments), env: env, config: config, sessions: 4)
        try await runner.run(plans(games), policy: policy) { await collector.add($0) }
        return await collector.table
    }

    actor Collector {
        var table = ResultTable()
        func add(_ record: EpisodeRecord) {
            table.add(
                group: record.reset.info["task_type"]?.stringValue ?? "all", won: record.won, steps: record.steps.count)
        }
    }

    @Test(arguments: ["handcoded", "planner"])
    func expertsWinEveryGame(expert: String) async throws {
        let table = try await BenchTests.table(
            env: "alfworld-v0",
            // With 200 steps the handcoded expert wins every game too (50 cut three of 134).
            config: ["split": "eval_out", "expert": .string(expert), "max_episode_steps": 200], policy: ExpertPolicy(),
            games: 24)
        #expect(table.all.episodes == 24)
        #expect(table.all.won == 24)
        #expect(table.groups.count >= 5, "games of every task type")
        #expect(table.all.meanSteps > 3)
    }

    @Test func randomPolicyRarelyWins() async throws {
        let table = try await BenchTests.table(
            env: "alfworld-v0", config: ["split": "eval_out", "max_episode_steps": 30], policy: RandomPolicy(),
            games: 12)
        #expect(table.all.episodes == 12)
        #expect(table.all.won < 6)
    }

    @Test func walkthroughGuidanceBeatsNoGuidance() async throws {
        let config: JSONValue = ["alfworld": ["split": "eval_out"], "walkthrough": true]
        let walkthrough = try await BenchTests.table(
            env: "matryoshka-alfworld-v0", config: config, policy: GuidancePolicy(kind: .walkthrough), games: 24)
        let none = try await BenchTests.table(
            env: "matryoshka-alfworld-v0", config: config, policy: GuidancePolicy(kind: .none), games: 24)
        #expect(walkthrough.all.won > none.all.won)
    }

    @Test func tableRowFollowsThePapersLayout() {
        var table = ResultTable()
        table.add(group: "pick_and_place_simple", won: true, steps: 5)
        table.add(group: "pick_and_place_simple", won: false, steps: 9)
        table.add(group: "pick_two_obj_and_place", won: true, steps: 7)
        let header = ResultTable.header(.alfworld, first: "policy")
        #expect(header[0] == "| policy | Pick | Clean | Heat | Cool | Examine | PickTwo | All |")
        #expect(table.row(.alfworld, label: "x") == "| x | 50.00 | – | – | – | – | 100.00 | **66.67** |")
        #expect(table.all.meanSteps == 7)
    }
}

/// STE's first-turn metric as `agent bench` reports it on tools-v0.
@Suite struct STETallyTests {
    static func record(_ verdict: JSONValue?) -> EpisodeRecord {
        let info: JSONObject = verdict.map { ["ste": $0] } ?? [:]
        return EpisodeRecord(
            key: "e", labels: [:], reset: ResetResult(observation: "q"),
            steps: [(action: "a", result: StepResult(observation: "o", info: info))])
    }

    @Test func percentagesFollowSTE() {
        var tally = STETally()
        tally.add(Self.record(["well_formed": true, "api_match": true, "correct": true]))
        tally.add(Self.record(["well_formed": true, "api_match": true, "correct": false]))
        tally.add(Self.record(["well_formed": true, "api_match": false, "correct": false]))
        tally.add(Self.record(["well_formed": false, "api_match": false, "correct": false]))
        tally.add(Self.record(nil))  // no gold query: not counted
        #expect(tally.total == 4)
        #expect(tally.wellFormedPercent == 75)
        #expect(abs(tally.apiMatchPercent - 200.0 / 3) < 1e-9)  // of the well-formed
        #expect(tally.correctPercent == 25)
    }

    @Test func randomPolicyOnToolsCarriesAVerdictPerEpisode() async throws {
        let tally = Tally()
        let runner = EpisodeRunner(
            driver: InProcessDriver(registry: builtinEnvironments), env: "tools-v0", config: [:], sessions: 4)
        let plans = (0..<40).map {
            EpisodePlan(key: "e\($0)", options: .null, seed: UInt64($0), policySeed: UInt64($0))
        }
        let random = RandomPolicy(sampler: builtinEnvironments.registrations["tools-v0"]?.sampleAction)
        try await runner.run(plans, policy: random) { await tally.add($0) }
        let result = await tally.value
        // Every evaluation query has gold calls, so every episode's first step has a verdict; the
        // sampler mostly sends the functions' example calls, so some are correct and some are not.
        #expect(result.total == 40)
        #expect(result.wellFormed > 0 && result.wellFormed < 40)
        #expect(result.correct <= result.apiMatch && result.apiMatch <= result.wellFormed)
    }

    actor Tally {
        var value = STETally()
        func add(_ record: EpisodeRecord) { value.add(record) }
    }
}
