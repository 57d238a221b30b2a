import DequeModule
import TroupeCore
import TroupeWire

extension SessionTable {
    // MARK: Finishing operations

    /// An operation that `.run` started has returned. Records its result, answers its job when it
    /// was the job's last item, applies what it means for the session (a `close` removes it; a
    /// fork's snapshot becomes a `.make` of the copy), and starts the session's next operation.
    mutating func finished(
        session: String, job: Job, index: Int, op: SessionOp, result: Result<ResponseBody, WireError>, env: Env,
        now: UInt64, inline: Bool = false
    ) -> [Action] {
        var actions: [Action] = []
        finished(
            session: session, job: job, index: index, op: op, result: result, env: env, now: now, inline: inline,
            into: &actions)
        return actions
    }

    /// `finished`, appending its actions to `actions`: the server records a read burst's inline
    /// results in one pass.
    mutating func finished(
        session: String, job: Job, index: Int, op: SessionOp, result: Result<ResponseBody, WireError>, env: Env,
        now: UInt64, inline: Bool, into actions: inout [Action]
    ) {
        if inline { counters.ranInline += 1 }
        guard let entry = sessions[session], let running = entry.running, running.job === job, running.index == index
        else {
            // The session left the table while this ran (its step timed out): its answer was
            // already sent; the environment is closed now that the call returned.
            actions.append(.close(env))
            return
        }
        entry.running = nil
        entry.lastActive = now
        if case .failure(let error) = result { counters.count(error.code) }

        if case .fork(let fork) = job.kind {
            switch result {
            case .success(.snapshot(let snapshot)):
                let ticket = MakeTicket(
                    id: job.id, connection: job.connection, env: fork.env, config: fork.config, seed: fork.seed,
                    snapshot: snapshot)
                // The slot reserved by `fork` carries over to the make.
                _ = job.record(index, .success(.empty))
                actions.append(.make(ticket))
            case .success, .failure:
                making -= 1
                release(job.connection)
                _ = job.record(index, result.flatMap { _ in .failure(WireError(.internal, "fork: no snapshot")) })
                actions.append(answer(job))
                actions += admitWaiters(now: now)
            }
        } else {
            remember(job, on: entry)
            if job.record(index, result) { actions.append(answer(job)) }
        }

        if case .close = op {
            actions += remove(session, now: now, reason: .closed, failQueued: "it was closed by an earlier request")
        } else if let next = startNext(entry, now: now) {
            actions.append(next)
        }
    }

    /// Keeps a job in the recent list of a session it has an item on, once that item finished.
    private func remember(_ job: Job, on entry: Entry) {
        // A batch may name a session more than once: remember the job once.
        guard entry.recent.last !== job else { return }
        entry.recent.append(job)
        if entry.recent.count > recentLimit { entry.recent.removeFirst() }
    }

    /// Removes a session: its slot frees (admitting a waiting make), queued operations fail, and
    /// the environment is closed (at once when idle; by its runner when an operation is running).
    mutating func remove(
        _ session: String, now: UInt64, reason: ServerEvent.Removal, failQueued why: String,
        code: ErrorCode = .unknownSession
    ) -> [Action] {
        guard let entry = sessions.removeValue(forKey: session) else { return [] }
        if let owner = entry.owner { release(owner) }
        var actions: [Action] = [.event(.removed(session: session, reason: reason))]
        counters.count(reason)
        for queued in entry.queue {
            let error = WireError(code, "session '\(session)' is gone: \(why)")
            if queued.job.record(queued.index, .failure(error)) { actions.append(answer(queued.job)) }
            if case .fork = queued.job.kind {
                making -= 1
                release(queued.job.connection)
            }
        }
        if entry.running == nil, reason != .closed { actions.append(.close(entry.env)) }
        actions += admitWaiters(now: now)
        return actions
    }

    // MARK: Time

    /// Enforces the clocks: operations past the step timeout fail with `timeout` and their
    /// sessions are closed; idle sessions and detached sessions past their lease are reaped; makes
    /// that waited too long fail with `capacity`. The server calls this every few milliseconds.
    mutating func tick(now: UInt64) -> [Action] {
        var actions: [Action] = []
        let idle = UInt64(limits.idleTimeoutMs) * 1_000_000
        let lease = UInt64(limits.leaseMs) * 1_000_000
        for (id, entry) in sessions {
            if let running = entry.running {
                guard running.deadline > 0, now >= running.deadline else { continue }
                let seconds = Double(limits.stepTimeoutMs) / 1000
                let error = WireError(
                    .timeout,
                    "the operation ran longer than the server's step timeout of \(seconds) s; session '\(id)' is closed, make a new one"
                )
                counters.count(error.code)
                if case .fork = running.job.kind {
                    making -= 1
                    release(running.job.connection)
                }
                // The session leaves the table: no `resume` will ask it for this job.
                if running.job.record(running.index, .failure(error)) { actions.append(answer(running.job)) }
                actions += remove(
                    id, now: now, reason: .timedOut, failQueued: "an earlier operation timed out", code: .timeout)
            } else if entry.queue.isEmpty {
                if entry.owner == nil, now >= entry.detachedAt &+ lease {
                    actions += remove(id, now: now, reason: .leaseExpired, failQueued: "its lease expired")
                } else if idle > 0, now >= entry.lastActive &+ idle {
                    actions += remove(id, now: now, reason: .idle, failQueued: "it was idle too long")
                }
            }
        }
        while let first = waiters.first, now >= first.deadline {
            waiters.removeFirst()
            let waited = Double(now - first.enqueuedAt) / 1e9
            actions.append(
                fail(
                    first.ticket,
                    WireError(
                        .capacity,
                        "no session slot freed within \(String(format: "%.1f", waited)) s (the server holds its maximum of \(limits.maxSessions)); try again later"
                    )))
        }
        return actions
    }

    // MARK: Resume

    /// `resume`: `connection` takes over `session` (from a dropped connection, or from one that
    /// still looks alive). For each id in `waiting`: an answer the session remembers is returned
    /// in `replies`; a request still queued or running is listed in `pending` and its answer will
    /// come on this connection; any other id was never received, and the client may send it again.
    mutating func resume(
        session: String, token: String, waiting: [JSONValue], id: JSONValue, connection: ConnectionID,
        spec: (String) -> JSONValue, now: UInt64
    ) -> [Action] {
        counters.count(.resume)
        func refuse(_ error: WireError) -> [Action] {
            counters.count(error.code)
            return [.send(connection, Reply(id: id, error: error))]
        }
        if draining { return refuse(WireError(.shuttingDown, "the server is shutting down; connect to another envd")) }
        guard let entry = sessions[session] else {
            return refuse(
                WireError(
                    .unknownSession,
                    "no session '\(session)' on this server: it was closed, or reaped after its lease of \(limits.leaseMs) ms; make a new one"
                ))
        }
        guard entry.token == token else {
            return refuse(
                WireError(.badToken, "the token does not match session '\(session)'; use the token make returned"))
        }
        var actions: [Action] = []
        if entry.owner != connection {
            if let owned = connections[connection], owned >= limits.maxSessionsPerConnection {
                return refuse(
                    WireError(
                        .connectionLimit,
                        "this connection holds its maximum of \(limits.maxSessionsPerConnection) sessions; resume on another connection"
                    ))
            }
            if let previous = entry.owner { release(previous) }
            connections[connection, default: 0] += 1
            sessions[session]!.owner = connection
            actions.append(.event(.resumed(session: session, connection: connection)))
        }
        sessions[session]!.lastActive = now
        var replies: [Reply] = []
        var pending: [JSONValue] = []
        let wanted = Set(waiting)
        // A job whose items are all done is answered here; one still running (on this session, or a
        // batch on others) answers the resuming connection when it finishes.
        var inFlight: [Job] = entry.queue.map(\.job)
        if let running = entry.running { inFlight.append(running.job) }
        for job in entry.recent where wanted.contains(job.id) {
            if !job.isFinished {
                inFlight.append(job)
            } else if !replies.contains(where: { $0.id == job.id }) {
                replies.append(job.reply)
            }
        }
        for job in inFlight where wanted.contains(job.id) {
            job.connection = connection
            if !pending.contains(job.id) { pending.append(job.id) }
        }
        actions.append(
            .send(
                connection,
                Reply(id: id, result: .success(.resumed(spec: spec(entry.envID), replies: replies, pending: pending)))))
        return actions
    }

    // MARK: Shutdown and stats

    /// Stops admitting work: queued makes fail with `shutting_down`, and so will every new request.
    /// Operations already queued or running finish.
    mutating func drain() -> [Action] {
        draining = true
        var actions: [Action] = []
        while let waiter = waiters.popFirst() {
            actions.append(
                fail(waiter.ticket, WireError(.shuttingDown, "the server is shutting down; connect to another envd")))
        }
        return actions
    }

    /// Operations queued or running on any session.
    var inFlight: Int { sessions.values.reduce(0) { $0 + $1.pending } }

    /// Removes every session (at the end of a drain).
    mutating func removeAll(now: UInt64) -> [Action] {
        sessions.keys.flatMap {
            remove($0, now: now, reason: .shutdown, failQueued: "the server shut down", code: .shuttingDown)
        }
    }

    /// The counters and gauges `stats` reports.
    func stats(uptimeNs: UInt64) -> JSONObject {
        let detached = sessions.values.filter { $0.owner == nil }.count
        var byEnv: [String: Int] = [:]
        for entry in sessions.values { byEnv[entry.envID, default: 0] += 1 }
        return [
            "uptime_ms": .number(Int(uptimeNs / 1_000_000)),
            "sessions": [
                "live": .number(sessions.count), "detached": .number(detached), "making": .number(making),
                "queued_makes": .number(waiters.count), "in_flight": .number(inFlight),
                "by_env": .object(
                    JSONObject(
                        uniqueKeysWithValues: byEnv.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) })),
            ],
            "connections": .number(connections.count),
            "draining": .bool(draining),
            "totals": counters.json,
        ]
    }
}

/// Something that happened to a session, for the server's log.
enum ServerEvent: Sendable, Equatable {
    /// Why a session left the table.
    enum Removal: String, Sendable {
        case closed, timedOut = "timed_out", idle, leaseExpired = "lease_expired", shutdown
        /// Its connection closed and the protocol cannot resume (OpenEnv's WebSocket).
        case disconnected
    }
    case made(session: String, env: String, connection: ConnectionID)
    case detached(session: String)
    case resumed(session: String, connection: ConnectionID)
    case removed(session: String, reason: Removal)
}

/// Monotonic counters since the server started.
struct ServerCounters: Sendable {
    var connectionsAccepted = 0
    var sessionsMade = 0
    var queuedMakes = 0
    var batchItems = 0
    /// Resets and steps run synchronously on an event loop (`InlineEnvironment`), with no task.
    var ranInline = 0
    var requests: [Op: Int] = [:]
    var errors: [ErrorCode: Int] = [:]
    var removals: [ServerEvent.Removal: Int] = [:]

    mutating func count(_ op: Op) { requests[op, default: 0] += 1 }
    mutating func count(_ code: ErrorCode) { errors[code, default: 0] += 1 }
    mutating func count(_ removal: ServerEvent.Removal) { removals[removal, default: 0] += 1 }

    var json: JSONValue {
        func object<K>(_ counts: [K: Int], _ name: (K) -> String) -> JSONValue {
            .object(
                JSONObject(
                    uniqueKeysWithValues: counts.map { (name($0.key), JSONValue.number($0.value)) }.sorted {
                        $0.0 < $1.0
                    }
                ))
        }
        return [
            "connections": .number(connectionsAccepted), "sessions_made": .number(sessionsMade),
            "queued_makes": .number(queuedMakes), "batch_items": .number(batchItems),
            "ran_inline": .number(ranInline),
            "requests": object(requests, \.rawValue), "errors": object(errors, \.rawValue),
            "sessions_removed": object(removals, \.rawValue),
        ]
    }
}
