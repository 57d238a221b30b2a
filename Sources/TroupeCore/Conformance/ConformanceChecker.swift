import OrderedCollections

/// The environment checker: small named checks of the `Environment` contract, each runnable on
/// its own, over any `EnvDriver` (in process or through `envd`). The test suite runs every check
/// on every registered environment, both ways, as one parameterized test.
///
/// A check passes, is skipped with a reason (for example snapshot checks on an environment without
/// the capability), or throws `ConformanceFailure` saying what differed.
public struct ConformanceCheck: Sendable, CustomStringConvertible {
    /// A stable snake_case name, used in test names and reports.
    public let name: String
    /// What the check asserts.
    public let summary: String
    let body: @Sendable (ConformanceSubject) async throws -> ConformanceOutcome

    public var description: String { name }

    /// Runs the check on one environment, closing every session it made, pass or fail.
    public func run(_ subject: ConformanceSubject) async throws -> ConformanceOutcome {
        var scoped = subject
        let tracker = SessionTracker()
        scoped.tracker = tracker
        do {
            let outcome = try await body(scoped)
            await tracker.closeAll()
            return outcome
        } catch {
            await tracker.closeAll()
            throw error
        }
    }
}

/// The result of a check that did not fail.
public enum ConformanceOutcome: Sendable, Equatable {
    case passed
    case skipped(String)
}

/// A failed check: which one and what went wrong.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let check: String
    public let message: String
    public var description: String { "\(check): \(message)" }
}

/// The environment under test and how to reach it.
public struct ConformanceSubject: Sendable, CustomStringConvertible {
    public let registration: EnvRegistration
    public let driver: any EnvDriver
    /// Configuration for `make` (defaults to the registration's `conformanceConfig`).
    public let config: JSONValue
    /// Seed for resets and for the action sampler.
    public let seed: UInt64
    /// The most steps an episode may take before the checker gives up waiting for its end.
    public let stepCap: Int
    /// Sessions made during one check, closed when it finishes.
    var tracker: SessionTracker?

    public init(
        registration: EnvRegistration, driver: any EnvDriver, config: JSONValue? = nil, seed: UInt64 = 20_241_028,
        stepCap: Int = 2_000
    ) {
        self.registration = registration
        self.driver = driver
        self.config = config ?? registration.conformanceConfig
        self.seed = seed
        self.stepCap = stepCap
    }

    public var spec: EnvSpec { registration.spec }

    /// The stream actions are sampled from: derived from the seed, so that it does not mirror the
    /// environment's own stream (an environment seeded alike would otherwise draw the same values).
    func actionRNG() -> SeededRNG { SeededRNG(seed: seed, stream: "actions") }
    public var description: String { registration.spec.id }

    /// A new session of the environment under test.
    public func make(sessionSeed: UInt64? = nil) async throws -> any EnvSession {
        let session = try await driver.make(spec.id, config: config, seed: sessionSeed ?? seed)
        await tracker?.add(session)
        return session
    }
}

/// The sessions a check made, so that they are closed however the check ends.
actor SessionTracker {
    private var sessions: [any EnvSession] = []
    func add(_ session: any EnvSession) { sessions.append(session) }
    func closeAll() async {
        for session in sessions { try? await session.close() }
        sessions = []
    }
}

/// The checks, in the order they are best read.
public enum ConformanceChecker {
    public static let checks: [ConformanceCheck] = [
        specIsValid, resetIsWellFormed, stepIsWellFormed, stepBeforeReset, stepAfterEnd,
        seedDeterminism, seedContinuation, snapshotRestore, closeIsFinal,
    ]

    /// Runs every check, collecting outcomes and failures instead of stopping at the first.
    public static func runAll(
        _ subject: ConformanceSubject
    ) async -> [(check: String, result: Result<ConformanceOutcome, any Error>)] {
        var results: [(check: String, result: Result<ConformanceOutcome, any Error>)] = []
        for check in checks {
            do {
                results.append((check.name, .success(try await check.run(subject))))
            } catch {
                results.append((check.name, .failure(error)))
            }
        }
        return results
    }
}

// MARK: - Helpers shared by the checks

extension ConformanceChecker {
    static func fail(_ check: String, _ message: String) -> ConformanceFailure {
        ConformanceFailure(check: check, message: message)
    }

    /// Checks one observation against the spec's observation space.
    static func checkObservation(_ check: String, _ value: JSONValue, spec: EnvSpec, at where_: String) throws {
        if let problem = spec.observation.violation(of: value) {
            throw fail(check, "observation \(where_) is not in the observation space: \(problem)")
        }
    }

    /// One line of a transcript: everything a step returned, as canonical text, without the
    /// spec's volatile info keys.
    static func line(_ result: StepResult, spec: EnvSpec) -> String {
        var info = result.info
        for key in spec.volatileInfoKeys { info[key] = nil }
        let value: JSONValue = [
            "observation": result.observation, "reward": .double(result.reward),
            "terminated": .bool(result.terminated), "truncated": .bool(result.truncated), "info": .object(info),
        ]
        return value.serialized()
    }

    static func line(_ result: ResetResult, spec: EnvSpec) -> String {
        var info = result.info
        for key in spec.volatileInfoKeys { info[key] = nil }
        return (["observation": result.observation, "info": .object(info)] as JSONValue).serialized()
    }

    /// Plays from the current state with actions from the sampler until the episode ends or
    /// `limit` steps pass; returns the transcript and the actions taken.
    static func play(
        _ session: any EnvSession, subject: ConformanceSubject, from first: (JSONValue, JSONObject),
        rng: inout SeededRNG, limit: Int
    ) async throws -> (lines: [String], actions: [JSONValue], ended: Bool) {
        var (observation, info) = first
        var lines: [String] = []
        var actions: [JSONValue] = []
        for _ in 0..<limit {
            let action = subject.registration.sampleAction(observation, info, &rng)
            actions.append(action)
            let result = try await session.step(action)
            lines.append(line(result, spec: subject.spec))
            if result.done { return (lines, actions, true) }
            observation = result.observation
            info = result.info
        }
        return (lines, actions, false)
    }

    /// Replays fixed actions and returns the transcript.
    static func replay(_ session: any EnvSession, actions: [JSONValue], spec: EnvSpec) async throws -> [String] {
        var lines: [String] = []
        for action in actions {
            lines.append(line(try await session.step(action), spec: spec))
        }
        return lines
    }

    /// Names the first differing line of two transcripts.
    static func firstDifference(_ a: [String], _ b: [String]) -> String {
        for (index, (x, y)) in zip(a, b).enumerated() where x != y {
            return "step \(index + 1) differs:\n  first:  \(x.prefix(400))\n  second: \(y.prefix(400))"
        }
        return "the transcripts have different lengths (\(a.count) and \(b.count) steps)"
    }

    /// Expects `body` to throw an error with `code`.
    static func expectError(
        _ check: String, code: ErrorCode, doing what: String, _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
        } catch {
            guard error.troupeCode == code else {
                throw fail(
                    check, "\(what) failed with `\(error.troupeCode)` (\(error.troupeMessage)), expected `\(code)`")
            }
            return
        }
        throw fail(check, "\(what) succeeded; expected an error with code `\(code)`")
    }
}
