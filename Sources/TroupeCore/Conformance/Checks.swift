import OrderedCollections

/// The named checks of the environment checker. Each makes its own sessions and closes them.
extension ConformanceChecker {
    /// The spec's id is versioned, its limits and reward range are sane, and it survives JSON.
    public static let specIsValid = ConformanceCheck(
        name: "spec_is_valid", summary: "the spec has a versioned id, sane limits, and round-trips through JSON"
    ) { subject in
        let spec = subject.spec
        let name = "spec_is_valid"
        guard EnvSpec.isValidID(spec.id) else { throw fail(name, "id '\(spec.id)' is not family-vN") }
        if let steps = spec.maxEpisodeSteps, steps <= 0 {
            throw fail(name, "max_episode_steps must be positive, is \(steps)")
        }
        guard spec.rewardRange.lowerBound.isFinite, spec.rewardRange.upperBound.isFinite else {
            throw fail(name, "reward_range must be finite")
        }
        guard case .object = spec.configSchema else { throw fail(name, "config_schema must be a JSON object") }
        let decoded: EnvSpec = try JSONValue(encoding: spec).decode()
        guard decoded == spec else { throw fail(name, "the spec does not survive a JSON round trip") }
        return .passed
    }

    /// `reset` gives an observation in the observation space and an info object, with and without
    /// a seed.
    public static let resetIsWellFormed = ConformanceCheck(
        name: "reset_is_well_formed", summary: "reset returns an observation in the space and an info object"
    ) { subject in
        let session = try await subject.make()
        let seeded = try await session.reset(seed: subject.seed, options: .null)
        try checkObservation("reset_is_well_formed", seeded.observation, spec: subject.spec, at: "after reset(seed:)")
        let unseeded = try await session.reset(seed: nil, options: .null)
        try checkObservation("reset_is_well_formed", unseeded.observation, spec: subject.spec, at: "after reset(nil)")
        return .passed
    }

    /// Steps give observations in the space and finite rewards inside the declared range.
    public static let stepIsWellFormed = ConformanceCheck(
        name: "step_is_well_formed", summary: "steps return observations in the space and rewards in the range"
    ) { subject in
        let name = "step_is_well_formed"
        let session = try await subject.make()
        let first = try await session.reset(seed: subject.seed, options: .null)
        var rng = subject.actionRNG()
        var observation = first.observation
        var info = first.info
        for index in 1...min(subject.stepCap, 200) {
            let result = try await session.step(subject.registration.sampleAction(observation, info, &rng))
            try checkObservation(name, result.observation, spec: subject.spec, at: "of step \(index)")
            guard result.reward.isFinite, subject.spec.rewardRange.contains(result.reward) else {
                throw fail(name, "reward \(result.reward) of step \(index) is outside \(subject.spec.rewardRange)")
            }
            if result.done { break }
            observation = result.observation
            info = result.info
        }
        return .passed
    }

    /// `step` on a session that was never reset is the `reset_needed` error.
    public static let stepBeforeReset = ConformanceCheck(
        name: "step_before_reset", summary: "step before reset fails with reset_needed"
    ) { subject in
        let session = try await subject.make()
        var rng = subject.actionRNG()
        let action = subject.registration.sampleAction(.null, [:], &rng)
        try await expectError("step_before_reset", code: .resetNeeded, doing: "step before reset") {
            _ = try await session.step(action)
        }
        return .passed
    }

    /// After the episode ends, `step` is the `episode_ended` error, and `reset` starts again.
    public static let stepAfterEnd = ConformanceCheck(
        name: "step_after_end", summary: "step after the end fails with episode_ended; reset recovers"
    ) { subject in
        let name = "step_after_end"
        let session = try await subject.make()
        let first = try await session.reset(seed: subject.seed, options: .null)
        var rng = subject.actionRNG()
        let played = try await play(
            session, subject: subject, from: (first.observation, first.info), rng: &rng, limit: subject.stepCap)
        guard played.ended else {
            if subject.spec.maxEpisodeSteps == nil {
                return .skipped(
                    "no episode ended within \(subject.stepCap) random steps and the spec has no step limit")
            }
            throw fail(name, "the episode did not end within \(subject.stepCap) steps despite max_episode_steps")
        }
        let action = subject.registration.sampleAction(first.observation, first.info, &rng)
        try await expectError(name, code: .episodeEnded, doing: "step after the end") {
            _ = try await session.step(action)
        }
        _ = try await session.reset(seed: nil, options: .null)
        _ = try await session.step(subject.registration.sampleAction(first.observation, first.info, &rng))
        return .passed
    }

    /// Two sessions reset with the same seed and given the same actions produce byte-identical
    /// transcripts over a whole episode; resetting one session twice with a seed repeats itself.
    public static let seedDeterminism = ConformanceCheck(
        name: "seed_determinism", summary: "the same seed and actions give byte-identical episodes"
    ) { subject in
        let name = "seed_determinism"
        let a = try await subject.make(sessionSeed: 1)
        let b = try await subject.make(sessionSeed: 2)
        let firstA = try await a.reset(seed: subject.seed, options: .null)
        let firstB = try await b.reset(seed: subject.seed, options: .null)
        guard line(firstA, spec: subject.spec) == line(firstB, spec: subject.spec) else {
            throw fail(
                name,
                "reset with the same seed gave different results:\n  \(line(firstA, spec: subject.spec).prefix(400))\n  \(line(firstB, spec: subject.spec).prefix(400))"
            )
        }
        var rng = subject.actionRNG()
        let played = try await play(
            a, subject: subject, from: (firstA.observation, firstA.info), rng: &rng, limit: subject.stepCap)
        let replayed = try await replay(b, actions: played.actions, spec: subject.spec)
        guard played.lines == replayed else { throw fail(name, firstDifference(played.lines, replayed)) }
        let again = try await a.reset(seed: subject.seed, options: .null)
        guard line(again, spec: subject.spec) == line(firstA, spec: subject.spec) else {
            throw fail(name, "a second reset with the same seed on one session gave a different first observation")
        }
        return .passed
    }

    /// `reset(seed: nil)` continues the random stream: sessions made with the same session seed
    /// agree on unseeded resets, and a seeded reset followed by an unseeded one is reproducible.
    public static let seedContinuation = ConformanceCheck(
        name: "seed_continuation", summary: "reset(nil) continues the stream reproducibly"
    ) { subject in
        let name = "seed_continuation"
        let a = try await subject.make(sessionSeed: 77)
        let b = try await subject.make(sessionSeed: 77)
        for round in 1...3 {
            let x = line(try await a.reset(seed: nil, options: .null), spec: subject.spec)
            let y = line(try await b.reset(seed: nil, options: .null), spec: subject.spec)
            guard x == y else {
                throw fail(name, "unseeded reset \(round) differs between sessions with the same session seed")
            }
        }
        _ = try await a.reset(seed: subject.seed, options: .null)
        _ = try await b.reset(seed: subject.seed, options: .null)
        let x = line(try await a.reset(seed: nil, options: .null), spec: subject.spec)
        let y = line(try await b.reset(seed: nil, options: .null), spec: subject.spec)
        guard x == y else { throw fail(name, "reset(nil) after reset(seed:) differs between two sessions") }
        return .passed
    }

    /// A snapshot restored into a fresh session, or into the same one, continues exactly as the
    /// original did. Environments without the capability must answer `not_supported`.
    public static let snapshotRestore = ConformanceCheck(
        name: "snapshot_restore", summary: "restore(snapshot) continues identically, in a fresh and in the same session"
    ) { subject in
        let name = "snapshot_restore"
        let original = try await subject.make()
        guard subject.spec.capabilities.contains(.snapshot) else {
            _ = try await original.reset(seed: subject.seed, options: .null)
            try await expectError(name, code: .notSupported, doing: "snapshot without the capability") {
                _ = try await original.snapshot()
            }
            return .passed
        }
        let first = try await original.reset(seed: subject.seed, options: .null)
        var rng = subject.actionRNG()
        let prefix = try await play(
            original, subject: subject, from: (first.observation, first.info), rng: &rng, limit: 3)
        if prefix.ended { _ = try await original.reset(seed: nil, options: .null) }
        let state = try await original.snapshot()
        let continued = try await play(
            original, subject: subject, from: (first.observation, first.info), rng: &rng, limit: subject.stepCap)

        let fresh = try await subject.make(sessionSeed: subject.seed &+ 1)
        try await fresh.restore(state)
        let inFresh = try await replay(fresh, actions: continued.actions, spec: subject.spec)
        guard inFresh == continued.lines else {
            throw fail(name, "in a fresh session: " + firstDifference(continued.lines, inFresh))
        }

        try await original.restore(state)
        let inSame = try await replay(original, actions: continued.actions, spec: subject.spec)
        guard inSame == continued.lines else {
            throw fail(name, "in the same session: " + firstDifference(continued.lines, inSame))
        }

        // The random stream is part of the state: unseeded resets after restore agree too.
        try await fresh.restore(state)
        try await original.restore(state)
        let x = line(try await fresh.reset(seed: nil, options: .null), spec: subject.spec)
        let y = line(try await original.reset(seed: nil, options: .null), spec: subject.spec)
        guard x == y else {
            throw fail(name, "reset(nil) after restore differs: the random stream is not in the snapshot")
        }
        return .passed
    }

    /// After `close`, the session accepts nothing more.
    public static let closeIsFinal = ConformanceCheck(
        name: "close_is_final", summary: "after close, step fails"
    ) { subject in
        let session = try await subject.make()
        let first = try await session.reset(seed: subject.seed, options: .null)
        try await session.close()
        var rng = subject.actionRNG()
        let action = subject.registration.sampleAction(first.observation, first.info, &rng)
        do {
            _ = try await session.step(action)
        } catch {
            return .passed
        }
        throw fail("close_is_final", "step after close succeeded")
    }
}
