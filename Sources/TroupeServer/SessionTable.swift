import DequeModule
import TroupeCore
import TroupeWire

/// The server's sessions, connections and admission queue as a pure state machine: every method
/// takes the current time, changes the table and returns the actions the caller must carry out
/// (start an operation, make an environment, send an answer, close an environment). It does no
/// I/O and never blocks, so it is tested without sockets; `EnvServer` holds it behind a lock and
/// performs the actions.
///
/// `Env` is what a session runs on (`any Environment` in the server; anything in tests).
///
/// Invariants:
/// - Each session runs at most one operation at a time; the others wait in its queue, in the order
///   received, and its queue never exceeds `limits.maxPendingPerSession` (running included).
/// - `sessions.count + making <= limits.maxSessions`; a `make` that finds no slot waits in
///   `waiters` (at most `limits.makeQueueLimit`) until a slot frees or its deadline passes.
/// - A connection owns at most `limits.maxSessionsPerConnection` sessions (being made included),
///   and only its owner may operate a session; another connection takes it over with `resume`.
/// - A session whose operation overran the step timeout leaves the table at once; the runner that
///   is still awaiting it closes the environment when (if) it returns.
struct SessionTable<Env> {
    /// What the caller must do.
    enum Action {
        /// Run `op` on `session`'s environment, then call `finished`.
        case run(session: String, env: Env, job: Job, index: Int, op: SessionOp)
        /// Make an environment for a reserved slot, then call `made`.
        case make(MakeTicket)
        /// Send an answer to a connection.
        case send(ConnectionID, Reply)
        /// Close an environment that left the table (closed by its runner when it is running).
        case close(Env)
        /// Something worth a log line.
        case event(ServerEvent)
    }

    /// One session. A reference, so that reading a session through the dictionary costs one
    /// retain rather than a copy of every field; like `Job`, it is only touched while the table
    /// is held.
    final class Entry: @unchecked Sendable {
        let id: String
        let token: String
        let env: Env
        let envID: String
        let config: JSONValue
        let seed: UInt64
        /// The owning connection; nil while detached (its connection dropped), waiting for `resume`.
        var owner: ConnectionID?
        /// When the session was detached (uptime nanoseconds).
        var detachedAt: UInt64 = 0
        var lastActive: UInt64
        /// The operation running now, and when it times out (0: never).
        var running: (job: Job, index: Int, deadline: UInt64)?
        var queue: Deque<(job: Job, index: Int, op: SessionOp)> = []
        /// The most recent jobs with an item on this session that finished, newest last, for
        /// `resume`. A batch is here once its item on this session finished, before its last item.
        var recent: Deque<Job> = []

        init(
            id: String, token: String, env: Env, envID: String, config: JSONValue, seed: UInt64,
            owner: ConnectionID?, lastActive: UInt64
        ) {
            self.id = id
            self.token = token
            self.env = env
            self.envID = envID
            self.config = config
            self.seed = seed
            self.owner = owner
            self.lastActive = lastActive
        }

        var pending: Int { queue.count + (running == nil ? 0 : 1) }

        /// Moves the first queued operation to `running`, if nothing runs.
        func startNext(now: UInt64, timeout: UInt64) -> (env: Env, job: Job, index: Int, op: SessionOp)? {
            guard running == nil, let next = queue.popFirst() else { return nil }
            running = (next.job, next.index, timeout > 0 ? now + timeout : 0)
            return (env, next.job, next.index, next.op)
        }
    }

    var limits: ServerLimits
    var sessions: [String: Entry] = [:]
    /// Sessions owned (or being made) per live connection.
    var connections: [ConnectionID: Int] = [:]
    /// Slots reserved by makes and forks in progress.
    var making = 0
    var waiters: Deque<MakeWaiter> = []
    var draining = false
    var nextSession: UInt64 = 1
    var counters = ServerCounters()
    /// How many finished jobs each session remembers for `resume`.
    let recentLimit: Int

    init(limits: ServerLimits) {
        self.limits = limits
        self.recentLimit = max(limits.maxPendingPerSession, 4)
    }

    // MARK: Connections

    /// The answer to a finished job, for the connection it belongs to now.
    func answer(_ job: Job) -> Action { .send(job.connection, job.reply) }

    mutating func connected(_ connection: ConnectionID) {
        connections[connection] = 0
        counters.connectionsAccepted += 1
    }

    /// The connection dropped: its sessions are detached (kept for `limits.leaseMs`, waiting for
    /// `resume`) and its queued makes are dropped. Running operations go on; their answers are
    /// kept for `resume`. With `keepSessions` false (a protocol that cannot resume) its sessions
    /// are removed at once instead, freeing their slots.
    mutating func disconnected(_ connection: ConnectionID, now: UInt64, keepSessions: Bool = true) -> [Action] {
        connections[connection] = nil
        waiters.removeAll { $0.ticket.connection == connection }
        var actions: [Action] = []
        for (id, entry) in sessions where entry.owner == connection {
            if keepSessions {
                sessions[id]!.owner = nil
                sessions[id]!.detachedAt = now
                actions.append(.event(.detached(session: id)))
            } else {
                entry.owner = nil
                actions += remove(id, now: now, reason: .disconnected, failQueued: "its connection closed")
            }
        }
        return actions
    }

    // MARK: Making sessions

    /// `make`: reserves a slot and asks for the environment, queues the request when the server
    /// is full, or refuses it.
    mutating func make(
        _ request: MakeRequest, id: JSONValue, connection: ConnectionID, seed: UInt64, now: UInt64
    ) -> [Action] {
        counters.count(.make)
        let ticket = MakeTicket(
            id: id, connection: connection, env: request.env, config: request.config, seed: seed, snapshot: nil)
        if let refusal = admissionRefusal(connection) { return [fail(ticket, refusal)] }
        if sessions.count + making < limits.maxSessions {
            return [reserve(ticket)]
        }
        guard waiters.count < limits.makeQueueLimit, limits.makeQueueTimeoutMs > 0 else {
            return [
                fail(
                    ticket,
                    WireError(
                        .capacity,
                        "the server holds its maximum of \(limits.maxSessions) sessions and \(waiters.count) makes are already waiting; close sessions or try again later"
                    ))
            ]
        }
        waiters.append(
            MakeWaiter(
                ticket: ticket, deadline: now + UInt64(limits.makeQueueTimeoutMs) * 1_000_000, enqueuedAt: now))
        counters.queuedMakes += 1
        return []
    }

    /// Why `connection` may not add a session now, or nil.
    func admissionRefusal(_ connection: ConnectionID) -> WireError? {
        if draining { return WireError(.shuttingDown, "the server is shutting down; connect to another envd") }
        guard let owned = connections[connection] else {
            return WireError(.internal, "the connection is closed")
        }
        if owned >= limits.maxSessionsPerConnection {
            return WireError(
                .connectionLimit,
                "this connection holds its maximum of \(limits.maxSessionsPerConnection) sessions; close some or open another connection"
            )
        }
        return nil
    }

    mutating func reserve(_ ticket: MakeTicket) -> Action {
        making += 1
        connections[ticket.connection, default: 0] += 1
        return .make(ticket)
    }

    mutating func fail(_ ticket: MakeTicket, _ error: WireError) -> Action {
        counters.count(error.code)
        return .send(ticket.connection, Reply(id: ticket.id, error: error))
    }

    /// The environment for a reserved slot was made (or failed): the session joins the table and
    /// its maker gets the id and token, or the slot is released and the maker gets the error.
    mutating func made(
        _ ticket: MakeTicket, _ outcome: Result<Env, WireError>, spec: JSONValue, token: String, now: UInt64
    ) -> [Action] {
        making -= 1
        var actions: [Action] = []
        switch outcome {
        case .failure(let error):
            release(ticket.connection)
            actions.append(fail(ticket, error))
        case .success(let env):
            guard connections[ticket.connection] != nil, !draining else {
                // Nobody can learn this session's token: close it rather than leak it.
                release(ticket.connection)
                actions.append(.close(env))
                break
            }
            let id = "s\(nextSession)"
            nextSession += 1
            sessions[id] = Entry(
                id: id, token: token, env: env, envID: ticket.env, config: ticket.config, seed: ticket.seed,
                owner: ticket.connection, lastActive: now)
            counters.sessionsMade += 1
            actions.append(.event(.made(session: id, env: ticket.env, connection: ticket.connection)))
            actions.append(
                .send(
                    ticket.connection,
                    Reply(id: ticket.id, result: .success(.made(session: id, token: token, spec: spec)))))
        }
        actions += admitWaiters(now: now)
        return actions
    }

    /// Gives a released slot back to its connection's count.
    mutating func release(_ connection: ConnectionID) {
        if let owned = connections[connection] { connections[connection] = max(0, owned - 1) }
    }

    /// Admits queued makes while slots are free.
    mutating func admitWaiters(now: UInt64) -> [Action] {
        var actions: [Action] = []
        while sessions.count + making < limits.maxSessions, let waiter = waiters.popFirst() {
            if let refusal = admissionRefusal(waiter.ticket.connection) {
                actions.append(fail(waiter.ticket, refusal))
            } else {
                actions.append(reserve(waiter.ticket))
            }
        }
        return actions
    }

    // MARK: Session operations

    /// One operation on one session.
    mutating func submit(
        _ op: SessionOp, session: String, id: JSONValue, connection: ConnectionID, now: UInt64
    ) -> [Action] {
        counters.count(op.op)
        let job = Job(id: id, connection: connection, kind: .single, items: 1)
        switch operable(session, connection, adding: 1) {
        case .failure(let refusal):
            _ = job.record(0, .failure(refusal))
            counters.count(refusal.code)
            return [answer(job)]
        case .success(let entry):
            return enqueue(job, index: 0, op: op, on: entry, now: now).map { [$0] } ?? []
        }
    }

    /// A batch: each item joins its session's queue; items on one session keep their order, items
    /// on different sessions run concurrently. An item that cannot run fails alone.
    mutating func submitBatch(_ items: [BatchItem], id: JSONValue, connection: ConnectionID, now: UInt64) -> [Action] {
        counters.count(.batch)
        counters.batchItems += items.count
        let job = Job(id: id, connection: connection, kind: .batch, items: items.count)
        var actions: [Action] = []
        actions.reserveCapacity(items.count)
        // One pass: an item joins its session's queue at once, so the pending count that limits
        // the next item on the same session already includes it. No item can finish before this
        // returns (the table is held), so the job cannot be answered early.
        for (index, item) in items.enumerated() {
            switch operable(item.session, connection, adding: 1) {
            case .failure(let refusal):
                counters.count(refusal.code)
                if job.record(index, .failure(refusal)) { actions.append(answer(job)) }
            case .success(let entry):
                if let run = enqueue(job, index: index, op: item.op, on: entry, now: now) { actions.append(run) }
            }
        }
        return actions
    }

    /// `fork`: reserves a slot for the copy and queues a snapshot of the source session; when the
    /// snapshot is taken the caller makes the copy (`finished` returns `.make` with the snapshot).
    /// Unlike `make`, a fork does not wait for capacity.
    mutating func fork(
        session: String, seed: UInt64?, id: JSONValue, connection: ConnectionID, now: UInt64
    ) -> [Action] {
        counters.count(.fork)
        let entry: Entry
        switch operable(session, connection, adding: 1) {
        case .failure(let refusal): return refuse(refusal, id: id, connection: connection)
        case .success(let found): entry = found
        }
        if let refusal = admissionRefusal(connection) { return refuse(refusal, id: id, connection: connection) }
        if sessions.count + making >= limits.maxSessions {
            let full = WireError(
                .capacity,
                "the server holds its maximum of \(limits.maxSessions) sessions; close sessions before forking")
            return refuse(full, id: id, connection: connection)
        }
        making += 1
        connections[connection, default: 0] += 1
        let ticket = ForkTicket(env: entry.envID, config: entry.config, seed: seed ?? entry.seed)
        let job = Job(id: id, connection: connection, kind: .fork(ticket), items: 1)
        return enqueue(job, index: 0, op: .snapshot, on: entry, now: now).map { [$0] } ?? []
    }

    /// Counts a refusal and answers it.
    private mutating func refuse(_ error: WireError, id: JSONValue, connection: ConnectionID) -> [Action] {
        counters.count(error.code)
        return [.send(connection, Reply(id: id, error: error))]
    }

    /// The session's entry when `connection` may queue `adding` more operations on it, or why not.
    func operable(_ session: String, _ connection: ConnectionID, adding: Int) -> Result<Entry, WireError> {
        if draining {
            return .failure(WireError(.shuttingDown, "the server is shutting down; connect to another envd"))
        }
        guard let entry = sessions[session] else {
            return .failure(
                WireError(
                    .unknownSession,
                    "no session '\(session)' on this server: it was closed, reaped after idling or after its lease, or never made; make a new one"
                ))
        }
        guard entry.owner == connection else {
            return .failure(
                WireError(
                    .unknownSession,
                    "session '\(session)' is not attached to this connection; take it over with `resume` and its token")
            )
        }
        let pending = entry.pending
        if pending + adding > limits.maxPendingPerSession {
            return .failure(
                WireError(
                    .tooManyPending,
                    "session '\(session)' already has \(pending) requests queued or running (the limit is \(limits.maxPendingPerSession)); wait for answers before sending more"
                ))
        }
        return .success(entry)
    }

    /// Queues an operation on a session of the table; the action that starts it if it can run now.
    func enqueue(_ job: Job, index: Int, op: SessionOp, on entry: Entry, now: UInt64) -> Action? {
        entry.queue.append((job, index, op))
        entry.lastActive = now
        return startNext(entry, now: now)
    }

    /// Starts the session's next queued operation if none is running.
    func startNext(_ entry: Entry, now: UInt64) -> Action? {
        let timeout = UInt64(limits.stepTimeoutMs) * 1_000_000
        guard let next = entry.startNext(now: now, timeout: timeout) else { return nil }
        return .run(session: entry.id, env: next.env, job: next.job, index: next.index, op: next.op)
    }
}

extension SessionTable: Sendable where Env: Sendable {}
