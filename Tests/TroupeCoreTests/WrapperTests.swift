import BasicEnvs
import Testing

@testable import TroupeCore

/// A broken environment, to prove the checker catches what it claims to catch.
private actor CoinEnv: Environment {
    nonisolated let spec: EnvSpec
    let deterministic: Bool
    var seeding = EpisodeSeeding(sessionSeed: 0)
    init(spec: EnvSpec, deterministic: Bool) {
        self.spec = spec
        self.deterministic = deterministic
    }
    func reset(seed: UInt64?, options: JSONValue) async throws -> ResetResult {
        seeding.reset(seed: seed)
        return ResetResult(observation: "flip")
    }
    func step(_ action: JSONValue) async throws -> StepResult {
        var system = SystemRandomNumberGenerator()
        let bit = deterministic ? seeding.rng.next() & 1 : system.next() & 1
        return StepResult(observation: .string(bit == 0 ? "heads" : "tails"))
    }
}

@Suite struct WrapperTests {
    let registry = EnvRegistry([EchoEnv.registration])
    let context = MakeContext(seed: 1, shared: SharedResources())

    @Test func orderEnforcingRejectsStepBeforeResetAndAfterEnd() async throws {
        let env = try await registry.make("echo-v0", config: ["words": ["only"]], context: context)
        await #expect(throws: EnvError.resetNeeded) { try await env.step("x") }
        _ = try await env.reset(seed: 1, options: .null)
        let won = try await env.step("only")
        #expect(won.terminated && won.reward == 1)
        await #expect(throws: EnvError.episodeEnded) { try await env.step("only") }
        _ = try await env.reset(seed: nil, options: .null)
        #expect(try await env.step("again").observation == "again")
    }

    @Test func actionsOutsideTheSpaceAreInvalid() async throws {
        let env = try await registry.make("echo-v0", context: context)
        _ = try await env.reset(seed: 1, options: .null)
        await #expect(throws: EnvError.invalidAction("expected a string, got integer")) { try await env.step(5) }
    }

    @Test func timeLimitTruncates() async throws {
        let env = try await registry.make("echo-v0", config: ["max_episode_steps": 3], context: context)
        _ = try await env.reset(seed: 1, options: .null)
        #expect(try await env.step("a").truncated == false)
        #expect(try await env.step("b").truncated == false)
        let last = try await env.step("c")
        #expect(last.truncated && !last.terminated)
    }

    @Test func configErrorsNameTheField() async throws {
        await #expect(
            throws: EnvError.badConfig("unknown field `word`; the fields of echo-v0 are: max_episode_steps, words")
        ) {
            _ = try await registry.make("echo-v0", config: ["word": []], context: context)
        }
        await #expect(throws: EnvError.badConfig("`words` must hold at least one word")) {
            _ = try await registry.make("echo-v0", config: ["words": []], context: context)
        }
        await #expect(throws: EnvError.badConfig("`words`: expected an array")) {
            _ = try await registry.make("echo-v0", config: ["words": "red"], context: context)
        }
        await #expect(throws: EnvError.badConfig("`max_episode_steps` must be a positive integer, got 0")) {
            _ = try await registry.make("echo-v0", config: ["max_episode_steps": 0], context: context)
        }
        await #expect(throws: EnvError.self) { _ = try await registry.make("nope-v1", context: context) }
    }

    @Test func snapshotsRejectOtherEnvironments() async throws {
        let env = try await registry.make("echo-v0", context: context)
        _ = try await env.reset(seed: 1, options: .null)
        var snapshot = try await env.snapshot()
        snapshot["env"] = "other-v0"
        await #expect(throws: EnvError.badSnapshot("the snapshot was taken from 'other-v0', not 'echo-v0'")) {
            try await env.restore(snapshot)
        }
        await #expect(throws: EnvError.self) { try await env.restore("garbage") }
    }

    @Test func checkerCatchesNondeterminism() async throws {
        let spec = EnvSpec(
            id: "coin-v0", summary: "coin", observation: .text("side"), action: .text("any"), maxEpisodeSteps: 20)
        for deterministic in [true, false] {
            let registration = EnvRegistration(spec: spec, sampleAction: { _, _, _ in "flip" }) { _, _ in
                CoinEnv(spec: spec, deterministic: deterministic)
            }
            let subject = ConformanceSubject(
                registration: registration, driver: InProcessDriver(registry: EnvRegistry([registration])))
            if deterministic {
                #expect(try await ConformanceChecker.seedDeterminism.run(subject) == .passed)
            } else {
                await #expect(throws: ConformanceFailure.self) {
                    try await ConformanceChecker.seedDeterminism.run(subject)
                }
            }
            // Without the capability, snapshot must be refused with not_supported.
            #expect(try await ConformanceChecker.snapshotRestore.run(subject) == .passed)
        }
    }
}
